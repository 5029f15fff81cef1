// A busy loop on the main thread that waits for another thread (a full ring waiting for its
// consumer) would spin forever if that thread died; worker loops are stopped by terminate(), the
// main thread's are not. StallGuard turns "no progress for `limitMs`" into an error instead.
export class StallGuard {
  private idleSpins = 0;
  private idleSince = 0;

  constructor(
    private readonly what: string,
    private readonly limitMs = 15_000,
  ) {}

  progress(): void {
    this.idleSpins = 0;
  }

  /** Call on every spin that made no progress; checks the clock only once in a while. */
  idle(): void {
    const spins = ++this.idleSpins;
    if (spins === 1) this.idleSince = 0;
    if ((spins & 0xffff) !== 0) return;
    const now = performance.now();
    if (this.idleSince === 0) this.idleSince = now;
    else if (now - this.idleSince > this.limitMs) {
      throw new Error(`${this.what}: no progress for ${this.limitMs} ms (the other thread stopped?)`);
    }
  }
}
