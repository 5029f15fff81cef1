// Events per second over a sliding window of whole seconds. Ten one-second buckets in a ring,
// so the rate reflects the last few seconds rather than the channel's lifetime.
//
// Adding does not read the clock: a clock read costs more than everything else a message does on
// the in-memory hot path. Events are counted into `unplaced` and put into buckets when the clock
// is read — on the first add after the last read, every CHECK_EVERY adds, and at perSecond(). Events that arrived since the last
// read are spread evenly over the seconds in between, so a rate is exact to within CHECK_EVERY
// events' placement.

const WINDOW_SECONDS = 10;
const CHECK_EVERY = 64;

export class RateWindow {
  private readonly buckets = new Float64Array(WINDOW_SECONDS);
  private currentSecond: number;
  private readonly startedAt: number;
  /** When the clock was last read (s), and events since then not yet in a bucket. */
  private placedAt: number;
  private unplaced = 0;
  private untilCheck = CHECK_EVERY;

  /** `clockMs`: a monotonic clock in ms (tests pass their own). */
  constructor(private readonly clockMs: () => number = () => performance.now()) {
    const now = clockMs() / 1000;
    this.startedAt = this.placedAt = now;
    this.currentSecond = Math.floor(now);
  }

  add(n: number): void {
    // The first event after a quiet spell reads the clock, so it is not spread back over the quiet.
    if (this.unplaced === 0) this.place(this.clockMs() / 1000);
    this.unplaced += n;
    if (--this.untilCheck <= 0) this.place(this.clockMs() / 1000);
  }

  /** Events per second over the completed part of the window plus the current second. */
  perSecond(): number {
    const nowSeconds = this.clockMs() / 1000;
    this.place(nowSeconds);
    // The ring spans the previous WINDOW_SECONDS-1 whole seconds and the current, partial one.
    const span = WINDOW_SECONDS - 1 + (nowSeconds - this.currentSecond);
    const covered = Math.min(span, nowSeconds - this.startedAt);
    let total = 0;
    for (const n of this.buckets) total += n;
    return covered > 0 ? total / Math.max(covered, 1e-3) : 0;
  }

  /** Puts the events since the last clock read into the seconds they arrived in (spread evenly). */
  private place(nowSeconds: number): void {
    this.untilCheck = CHECK_EVERY;
    const events = this.unplaced;
    const from = this.placedAt;
    this.unplaced = 0;
    this.placedAt = nowSeconds;
    const second = Math.floor(nowSeconds);
    this.advance(second);
    if (events === 0) return;
    const span = nowSeconds - from;
    if (span <= 0 || Math.floor(from) === second) {
      this.buckets[second % WINDOW_SECONDS]! += events;
      return;
    }
    // Spread over (from, now] in proportion to each second's share; seconds already out of the
    // window get nothing (their events would have aged out by now anyway).
    for (let s = Math.max(Math.floor(from), second - WINDOW_SECONDS + 1); s <= second; s++) {
      const share = Math.min(s + 1, nowSeconds) - Math.max(s, from);
      if (share > 0) this.buckets[s % WINDOW_SECONDS]! += (events * share) / span;
    }
  }

  private advance(second: number): void {
    if (second === this.currentSecond) return;
    const stale = Math.min(second - this.currentSecond, WINDOW_SECONDS);
    for (let i = 1; i <= stale; i++) this.buckets[(this.currentSecond + i) % WINDOW_SECONDS] = 0;
    this.currentSecond = second;
  }
}
