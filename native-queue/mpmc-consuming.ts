// The consuming side of the MPMC ring: claiming runs of committed records, delivering each
// exactly once, releasing their space in order — and going on when another thread died in the
// middle of any of that. Record layout and stamp states: mpmc-records.ts.
//
// A receiver claims a run (one CAS of readClaim), then for each record copies it (or visits its
// view) and marks it consumed with a CAS of its stamp, committed → consumed. Releasing is a
// separate step anyone may do: the record at `released`, once consumed (or abandoned by its
// producer), is wiped and freed, in order. A thread can be terminated at any function entry or
// loop back-edge (an Atomics call included), so every step leaves a state others can finish:
// - a receiver that died (or stalled) holding claimed records: `released` stays at a record that
//   is still committed. A receiver that sees that for abandonAfterMs adopts it (and every record
//   that was already claimed when it started watching) as a run of its own. The mark CAS decides
//   who delivers, so a copy is delivered exactly once even if the owner was only slow.
// - a releaser that died mid-release: the record stays "releasing" with its size in the length
//   word; seen so for abandonAfterMs, another receiver takes the step over (a CAS of the stamp to
//   the other "releasing" value, so the first releaser's own final CAS fails if it wakes up).
// The price of presuming a receiver dead: a view (drain, tryReceiveView) held longer than
// abandonAfterMs may be delivered again to the adopter, and its bytes may be reused under it.
import type { RingOptions } from './types.js';
import { ViewCache } from './view-cache.js';
import { MpmcClaiming, NOT_COMMITTED } from './mpmc-claiming.js';
import { CONSUMER_BELL, DATA_BYTE, PRODUCER_BELL, READ_CLAIM, RECORD_HEADER, RELEASED, RUN_MESSAGES, WRAP_MARKER, WRITE_CLAIM, recordBytes } from './mpmc-records.js';

export abstract class MpmcConsuming extends MpmcClaiming {
  /**
   * Called (by this handle only) for each message record it takes, with a view of the record in
   * the ring, after the copy or the visit and just before the record is marked consumed. Work
   * done here is seen by whoever takes the record next should this thread die before the mark
   * (the record is then adopted, bytes and all): so a layer above can count a message out once,
   * and write into the record that it did, in a way a kill cannot split (see src/backends/memory).
   */
  onTake: ((record: Uint8Array) => void) | undefined = undefined;
  private heldStart = -1;
  private readViews: ViewCache | undefined;


  protected constructor(buffer: SharedArrayBuffer, options: Required<RingOptions>) {
    super(buffer, options);
  }

  /**
   * Visits each message of the claimed run (payload offset and length) and marks it consumed
   * right after; returns how many marks this handle won. A lost mark (the record was adopted)
   * calls `lost` for what the visit kept and ends the walk: the adopter goes on with the rest.
   */
  private consumeRun(visit: (at: number, length: number) => void, lost?: () => void): number {
    const end = this.runEnd;
    let index = this.runStart;
    let count = 0;
    let visiting = -1;
    try {
      while (index !== end) {
        const length = this.committedLength(index);
        if (length === WRAP_MARKER) {
          this.markConsumed(index); // always the last record of a run
          break;
        }
        if (length === NOT_COMMITTED) break; // adopted by another receiver, with the rest of the run
        visiting = index;
        visit(DATA_BYTE + (index & this.mask) + RECORD_HEADER, length);
        visiting = -1;
        if (this.onTake !== undefined) this.reportTake(index, length);
        if (!this.markConsumed(index)) {
          lost?.();
          break;
        }
        count++;
        index = (index + recordBytes(length)) >>> 0;
      }
    } finally {
      // A visit that threw: that message and the rest of the run are dropped (marked consumed).
      if (visiting !== -1) this.dropRest(visiting, end);
      this.releaseFinished();
    }
    return count;
  }

  /** Hands the record at `index` to onTake (errors are the hook's own: the take goes on). */
  private reportTake(index: number, length: number): void {
    this.readViews ??= new ViewCache(this.buffer, this.capacityBytes);
    try {
      this.onTake?.(this.readViews.view(DATA_BYTE + (index & this.mask) + RECORD_HEADER, length));
    } catch (error) {
      // The take goes on regardless; the failure is reported (hookFailed).
      this.hookFailed(error, 'onTake');
    }
  }


  /** Marks [index, end) of a claimed run consumed without delivering it (stops at an adopted one). */
  private dropRest(index: number, end: number): void {
    while (index !== end) {
      const length = this.committedLength(index);
      if (length === NOT_COMMITTED) return;
      if (length !== WRAP_MARKER && this.onTake !== undefined) this.reportTake(index, length);
      if (!this.markConsumed(index) || length === WRAP_MARKER) return;
      index = (index + recordBytes(length)) >>> 0;
    }
  }

  private finishHeld(): void {
    if (this.heldStart !== -1) {
      const start = this.heldStart;
      this.heldStart = -1;
      if (this.onTake !== undefined) {
        const length = this.committedLength(start);
        if (length !== NOT_COMMITTED) this.reportTake(start, length);
      }
      this.markConsumed(start); // false: adopted meanwhile (the view was held past abandonAfterMs)
      this.releaseFinished();
    }
  }


  tryReceive(): Uint8Array | undefined {
    this.finishHeld();
    for (;;) {
      if (!this.claimRun(1)) return undefined;
      const start = this.runStart;
      const length = this.committedLength(start);
      if (length === NOT_COMMITTED) continue; // adopted under us (a run of one is never a wrap marker)
      const at = DATA_BYTE + (start & this.mask) + RECORD_HEADER;
      const copy = this.bytes.slice(at, at + length);
      if (this.onTake !== undefined) this.reportTake(start, length);
      // Won: the record was ours throughout, so nothing was released under the copy.
      const won = this.markConsumed(start);
      this.releaseFinished();
      if (won) return copy;
    }
  }

  tryReceiveView(): Uint8Array | undefined {
    this.finishHeld();
    for (;;) {
      if (!this.claimRun(1)) return undefined;
      const length = this.committedLength(this.runStart);
      if (length === NOT_COMMITTED) continue; // adopted under us
      this.readViews ??= new ViewCache(this.buffer, this.capacityBytes);
      this.heldStart = this.runStart;
      return this.readViews.view(DATA_BYTE + (this.runStart & this.mask) + RECORD_HEADER, length);
    }
  }

  tryReceiveBatch(max: number, into: Uint8Array[] = []): Uint8Array[] {
    this.checkMax(max);
    this.finishHeld();
    const bytes = this.bytes;
    const lost = () => {
      into.length--; // the copy of a record another receiver adopted and delivered
    };
    // At most about one ring-full per call, so steady producers cannot keep it going forever.
    let budget = this.capacityBytes;
    let n = 0;
    while (n < max && budget > 0 && this.claimRun(Math.min(RUN_MESSAGES, max - n))) {
      budget -= (this.runEnd - this.runStart) >>> 0;
      n += this.consumeRun((at, length) => into.push(bytes.slice(at, at + length)), lost);
    }
    return into;
  }

  /**
   * Views are handed out before their record is marked consumed; returns the marks won. A view of
   * a record another receiver adopted meanwhile (this call stalled longer than abandonAfterMs) is
   * a duplicate, and its bytes may be reused under it.
   */
  drain(onMessage: (view: Uint8Array) => void, max = Infinity): number {
    this.checkMax(max);
    this.finishHeld();
    const views = (this.readViews ??= new ViewCache(this.buffer, this.capacityBytes));
    const visit = (at: number, length: number) => onMessage(views.view(at, length));
    let budget = this.capacityBytes; // about one ring-full per call at most (see tryReceiveBatch)
    let n = 0;
    while (n < max && budget > 0 && this.claimRun(Math.min(RUN_MESSAGES, max - n))) {
      budget -= (this.runEnd - this.runStart) >>> 0;
      n += this.consumeRun(visit);
    }
    return n;
  }

  // ---- waiting and closing -----------------------------------------------------------------
  protected override hasWritesInFlight(): boolean {
    // Also records claimed but not released: a dead receiver's are adopted after abandonAfterMs.
    const readClaim = Atomics.load(this.words, READ_CLAIM);
    return Atomics.load(this.words, WRITE_CLAIM) !== readClaim || Atomics.load(this.words, RELEASED) !== readClaim;
  }

  protected consumerBell(): number {
    return CONSUMER_BELL;
  }

  protected producerBell(): number {
    return PRODUCER_BELL;
  }

  protected allBells(): number[] {
    return [CONSUMER_BELL, PRODUCER_BELL];
  }
}
