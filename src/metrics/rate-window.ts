// Events per second over a sliding window of whole seconds. Ten one-second buckets in a ring:
// adding is O(1), and the rate reflects the last few seconds rather than the channel's lifetime.

const WINDOW_SECONDS = 10;

export class RateWindow {
  private readonly buckets = new Float64Array(WINDOW_SECONDS);
  private currentSecond = Math.floor(performance.now() / 1000);
  private readonly startedAt = performance.now() / 1000;

  add(n: number): void {
    this.advance();
    this.buckets[this.currentSecond % WINDOW_SECONDS]! += n;
  }

  /** Events per second over the completed part of the window plus the current second. */
  perSecond(): number {
    this.advance();
    const nowSeconds = performance.now() / 1000;
    // The ring spans the previous WINDOW_SECONDS-1 whole seconds and the current, partial one.
    const span = WINDOW_SECONDS - 1 + (nowSeconds - this.currentSecond);
    const covered = Math.min(span, nowSeconds - this.startedAt);
    let total = 0;
    for (const n of this.buckets) total += n;
    return covered > 0 ? total / Math.max(covered, 1e-3) : 0;
  }

  private advance(): void {
    const second = Math.floor(performance.now() / 1000);
    if (second === this.currentSecond) return;
    const stale = Math.min(second - this.currentSecond, WINDOW_SECONDS);
    for (let i = 1; i <= stale; i++) this.buckets[(this.currentSecond + i) % WINDOW_SECONDS] = 0;
    this.currentSecond = second;
  }
}
