// The claiming and releasing half of the MPMC ring's consuming side: finding runs of committed
// records, stepping over claims dead producers left, adopting what dead receivers held, marking
// records consumed and releasing their space in order. mpmc-consuming.ts builds the receive calls
// on it; the protocol is described there and in README.md.
import { RingBase } from './ring-base.js';
import type { RingOptions } from './types.js';
import { wakeIfSleeping } from './waiting.js';
import {
  ABANDONED, ABANDONED_STRETCH, COMMITTED, CONSUMED, DATA_BYTE, DATA_WORD, PRODUCER_BELL, READ_CLAIM, RECORD_HEADER,
  RELEASED, RELEASING, RELEASING_AGAIN, STRETCH_BYTES, STRETCH_WRAPS, WRAP_MARKER, WRITING, WRITING_STRETCH,
  recordBytes, releasingCode, releasingSize, wipe,
} from './mpmc-records.js';

// What recoverStalled() did.
const NOTHING = 0;
const ADOPTED = 1;
const PROGRESSED = 2;
/** Most consumed records one release step frees. */
const RELEASE_RECORDS = 64;
/** committedLength(): the record is no longer committed (lengths are >= WRAP_MARKER). */
export const NOT_COMMITTED = -2;

/** a comes before b in the free-running index space. */
function before(a: number, b: number): boolean {
  return ((a - b) | 0) < 0;
}

export abstract class MpmcClaiming extends RingBase {
  readonly kind = 'mpmc' as const;
  readonly maxMessageBytes: number;
  protected readonly mask: number;
  /** Infinity when nobody is ever presumed dead. */
  protected readonly abandonAfterMs: number;
  /**
   * Called (by this handle only) for each claim it abandons, before the claim is wiped, with a
   * view that starts at the first record's payload space (bytes the dead producer never wrote
   * are zero). Lets a layer above give back what the dead producer had counted for the message,
   * if the producer marks its payload once it has counted (see src/backends/memory).
   */
  onAbandonedClaim: ((payload: Uint8Array) => void) | undefined = undefined;
  /**
   * Told when onTake or onAbandonedClaim threw. The ring goes on regardless (a hook must not break
   * it for everyone), but a hook that throws is a bug above, so it is reported, never swallowed.
   */
  onHookError: ((error: unknown, hook: 'onTake' | 'onAbandonedClaim') => void) | undefined = undefined;
  /** How many times a hook threw on this handle. */
  hookErrors = 0;
  // What this handle's recovery did (see the getters): counted only on those rare paths, never
  // on the hot path, so a test can prove a kill landed in the window it aims at.
  private abandonedClaims = 0;
  private adoptedRecords = 0;
  private takenOverReleases = 0;
  // The run claimRun() found for its caller (no tuples on the hot path).
  protected runStart = 0;
  protected runEnd = 0;
  /** An unfinished producer claim at the front, watched since when (-1: none). */
  private watchedIndex = -1;
  private watchedSince = 0;
  /** The stamp holding `released` back, watched since when, and readClaim when the watch began. */
  private stallStamp = 0;
  private stallSince = -1;
  private stallReadClaim = 0;
  /** Records before this index were claimed before a watch that has run out: adoptable at once. */
  private adoptBefore = -1;
  private adoptedAt = 0;
  /** The record whose view tryReceiveView() handed out, marked on the next read call (-1: none). */

  protected constructor(buffer: SharedArrayBuffer, options: Required<RingOptions>) {
    super(buffer, options);
    this.mask = options.capacityBytes - 1;
    // A record may cost up to twice its size (the skipped tail before a wrap), so it must be at
    // most half the region to always fit in an empty ring.
    this.maxMessageBytes = options.capacityBytes / 2 - RECORD_HEADER;
    this.abandonAfterMs = options.abandonAfterMs === 0 ? Infinity : options.abandonAfterMs;
  }

  /** Claims this handle abandoned: left "writing" for abandonAfterMs (a dead producer's), then skipped. */
  get claimsAbandoned(): number {
    return this.abandonedClaims;
  }

  /**
   * Records (a wrap marker included) this handle adopted from a receiver presumed dead: claimed by
   * it and left unmarked for abandonAfterMs. Counted when adopted; the mark CAS still decides who
   * delivers, so another adopter or a merely slow owner may deliver one of them instead.
   */
  get recordsAdopted(): number {
    return this.adoptedRecords;
  }

  /** Release steps this handle took over from a releaser presumed dead (left "releasing" for abandonAfterMs). */
  get releasesTakenOver(): number {
    return this.takenOverReleases;
  }

  // ---- claiming ----------------------------------------------------------------------------
  /**
   * Claims a run of committed records that follow each other in memory, holding at most
   * `maxMessages` messages, with one CAS of readClaim. Sets runStart/runEnd; false when none is
   * committed now. A run ends at the end of the region (a wrap marker is its last record). With
   * nothing new at the front it looks behind: a dead receiver's records, a dead releaser's step.
   */
  protected claimRun(maxMessages: number): boolean {
    const capacity = this.capacityBytes;
    for (;;) {
      const start = Atomics.load(this.words, READ_CLAIM) >>> 0;
      let index = start;
      let messages = 0;
      while (messages < maxMessages) {
        const offset = index & this.mask;
        const word = DATA_WORD + (offset >>> 2);
        const stamp = Atomics.load(this.words, word);
        if (stamp !== ((index + COMMITTED) | 0)) {
          // Not committed. At the front it may be an abandoned claim to step over (0 messages).
          if (index === start) index = this.skipUnfinished(start, word, stamp);
          break;
        }
        const length = this.words[word + 1] as number;
        if (length === WRAP_MARKER) {
          index = (index + capacity - offset) >>> 0;
          break;
        }
        const size = recordBytes(length);
        index = (index + size) >>> 0;
        messages++;
        if (offset + size === capacity) break;
      }
      if (index === start) {
        // Nothing committed at the front; unless another consumer moved on meanwhile.
        if (Atomics.load(this.words, READ_CLAIM) >>> 0 !== start) continue;
        const recovered = this.recoverStalled();
        if (recovered === PROGRESSED) continue;
        return recovered === ADOPTED;
      }
      if (Atomics.compareExchange(this.words, READ_CLAIM, start | 0, index | 0) !== (start | 0)) continue;
      if (messages === 0) {
        // Only a wrap marker (mark it consumed) or an abandoned claim (releasable as it is).
        this.markConsumed(start);
        this.releaseFinished();
        continue;
      }
      this.runStart = start;
      this.runEnd = index;
      this.watchedIndex = -1; // progress: any later sighting of an unfinished claim starts a new watch
      return true;
    }
  }

  /**
   * The claim at the front (`start`) is not committed. Returns where it ends if it is abandoned
   * (or abandons it now, when it has stayed "writing" for abandonAfterMs while this handle
   * watched), else `start` (nothing to step over: wait for its producer).
   */
  private skipUnfinished(start: number, word: number, stamp: number): number {
    const state = (stamp - start) | 0;
    if (state === WRITING || state === WRITING_STRETCH) {
      if (this.abandonAfterMs === Infinity || !this.watchedTooLong(start)) return start;
      const abandoned = (start + (state === WRITING ? ABANDONED : ABANDONED_STRETCH)) | 0;
      // The producer's commit CASes the same word: exactly one of us wins.
      if (Atomics.compareExchange(this.words, word, stamp, abandoned) !== stamp) return start;
      this.abandonedClaims++;
      if (this.onAbandonedClaim !== undefined) this.reportAbandoned(start, word, state === WRITING);
      return this.skipUnfinished(start, word, abandoned);
    }
    // The claim's length word is final once abandoned: nobody writes it until it is released.
    if (state === ABANDONED) return (start + recordBytes(this.words[word + 1] as number)) >>> 0;
    if (state === ABANDONED_STRETCH) return (start + ((this.words[word + 1] as number) & STRETCH_BYTES)) >>> 0;
    return start;
  }

  /** Hands the abandoned claim's first payload space to onAbandonedClaim (errors are its own). */
  private reportAbandoned(start: number, word: number, single: boolean): void {
    const offset = start & this.mask;
    const untilEnd = this.capacityBytes - offset;
    const claimed = this.words[word + 1] as number;
    const size = single ? recordBytes(claimed) : claimed & STRETCH_BYTES;
    // A stretch that starts with a wrap marker has its first record at offset 0.
    const wrapped = !single && (claimed & STRETCH_WRAPS) !== 0;
    const at = wrapped ? 0 : offset;
    const length = (wrapped ? size - untilEnd : Math.min(size, untilEnd)) - RECORD_HEADER;
    try {
      this.onAbandonedClaim?.(new Uint8Array(this.buffer, DATA_BYTE + at + RECORD_HEADER, Math.max(0, length)));
    } catch (error) {
      // The claim is skipped regardless; the failure is reported (hookFailed).
      this.hookFailed(error, 'onAbandonedClaim');
    }
  }

  /** True when this handle has seen the claim at `index` unfinished for abandonAfterMs. */
  private watchedTooLong(index: number): boolean {
    const now = performance.now();
    if (index !== this.watchedIndex) {
      this.watchedIndex = index;
      this.watchedSince = now;
      return false;
    }
    return now - this.watchedSince >= this.abandonAfterMs;
  }

  // ---- what dead receivers leave behind ----------------------------------------------------
  /**
   * Looks at the record holding `released` back, when something is claimed behind readClaim:
   * finished but not released (its receiver died before releasing): release it; committed for
   * abandonAfterMs (its receiver died holding it): adopt it as this handle's run; "releasing"
   * for abandonAfterMs (its releaser died): finish the release. PROGRESSED: look at the front again.
   */
  private recoverStalled(): number {
    const released = Atomics.load(this.words, RELEASED) >>> 0;
    if (this.adoptBefore !== -1 && !before(released, this.adoptBefore)) this.adoptBefore = -1;
    if (released === Atomics.load(this.words, READ_CLAIM) >>> 0) return NOTHING;
    const offset = released & this.mask;
    const word = DATA_WORD + (offset >>> 2);
    // Length first, stamp second: a stamp still the same proves the length was the record's own.
    const length = this.words[word + 1] as number;
    const stamp = Atomics.load(this.words, word);
    const state = (stamp - released) | 0;
    if (state === CONSUMED || state === ABANDONED || state === ABANDONED_STRETCH) {
      return this.releaseFinished() ? PROGRESSED : NOTHING;
    }
    if (this.abandonAfterMs === Infinity || !this.stalledTooLong(released, stamp)) return NOTHING;
    if (state === COMMITTED) {
      this.adoptedRecords++;
      if (length === WRAP_MARKER) {
        this.markConsumed(released);
        return this.releaseFinished() ? PROGRESSED : NOTHING;
      }
      this.runStart = released;
      this.runEnd = (released + recordBytes(length)) >>> 0;
      return ADOPTED;
    }
    if (state === RELEASING || state === RELEASING_AGAIN) {
      const size = releasingSize(length, this.capacityBytes);
      if (size === -1) return NOTHING;
      // The other value, so the presumed-dead releaser's final CAS fails should it wake up.
      const taken = (released + (state === RELEASING ? RELEASING_AGAIN : RELEASING)) | 0;
      if (Atomics.compareExchange(this.words, word, stamp, taken) !== stamp) return PROGRESSED;
      this.takenOverReleases++;
      if (this.finishRelease(released, word, size, taken)) wakeIfSleeping(this.words, PRODUCER_BELL);
      this.releaseFinished();
      return PROGRESSED;
    }
    return NOTHING;
  }

  /**
   * True when `released` has been held at `index` by the same stamp for abandonAfterMs while this
   * handle watched — or at once for a record claimed before such a watch began (the rest of a
   * dead receiver's run, or of several).
   */
  private stalledTooLong(index: number, stamp: number): boolean {
    const now = performance.now();
    if (this.adoptBefore !== -1) {
      // Bounded in time too: an index comparison means nothing once 2 GiB have gone by.
      if (now - this.adoptedAt > this.abandonAfterMs) this.adoptBefore = -1;
      else if (stamp === ((index + COMMITTED) | 0) && before(index, this.adoptBefore)) return true;
    }
    if (stamp !== this.stallStamp || this.stallSince === -1) {
      this.stallStamp = stamp;
      this.stallSince = now;
      this.stallReadClaim = Atomics.load(this.words, READ_CLAIM) >>> 0;
      return false;
    }
    if (now - this.stallSince < this.abandonAfterMs) return false;
    this.stallSince = -1;
    // Everything claimed when the watch began has had abandonAfterMs to be marked.
    this.adoptBefore = this.stallReadClaim;
    this.adoptedAt = now;
    return true;
  }

  // ---- marking and releasing ---------------------------------------------------------------
  /** Committed → consumed, by CAS: false when another receiver adopted (and delivered) it. */
  protected markConsumed(index: number): boolean {
    const word = DATA_WORD + ((index & this.mask) >>> 2);
    const committed = (index + COMMITTED) | 0;
    return Atomics.compareExchange(this.words, word, committed, (index + CONSUMED) | 0) === committed;
  }

  /**
   * Releases every finished record at the front of the ring, in order; true if any. Whoever CASes
   * the stamp at `released` from consumed (or abandoned, once readClaim has stepped over it) to
   * "releasing" owns that step. Wiping here rather than in the receiver means the ring's
   * receiving code never writes payload memory: an owner slower than an adoption cannot scribble
   * over freed space.
   */
  protected releaseFinished(): boolean {
    let moved = false;
    for (;;) {
      const index = Atomics.load(this.words, RELEASED) >>> 0;
      const offset = index & this.mask;
      const word = DATA_WORD + (offset >>> 2);
      // Stamp first, length second: at `released` == readClaim the record may still be a claim
      // whose length word changes at commit; once consumed (or abandoned), it never changes
      // again before the CAS below, which would fail if the stamp had moved on.
      const stamp = Atomics.load(this.words, word);
      const length = this.words[word + 1] as number;
      const state = (stamp - index) | 0;
      let size: number;
      if (state === CONSUMED) {
        size = length === WRAP_MARKER ? this.capacityBytes - offset : this.consumedSpan(index, recordBytes(length));
      } else if (state === ABANDONED || state === ABANDONED_STRETCH) {
        if (!before(index, Atomics.load(this.words, READ_CLAIM))) break; // not stepped over yet
        size = state === ABANDONED ? recordBytes(length) : length & STRETCH_BYTES;
      } else break;
      const code = releasingCode(size);
      const releasing = (index + RELEASING) | 0;
      // The stamp carries the full index, so a stale `index` never matches a later lap's record.
      if (Atomics.compareExchange(this.words, word, stamp, releasing) !== stamp) break;
      // A plain store with no call since the CAS: a terminated thread stops only at calls and
      // loop back-edges, so whoever finds this record "releasing" also finds its size here.
      // kill-window: the 'releasing' CAS above → the size store
      this.words[word + 1] = code;
      // kill-window end
      if (!this.finishRelease(index, word, size, releasing)) break;
      moved = true;
    }
    if (moved) wakeIfSleeping(this.words, PRODUCER_BELL);
    return moved;
  }

  /**
   * The bytes of the consumed records that follow each other from `index` (whose own record is
   * `size` bytes), so one release step frees a whole run: one wipe and two CASes, not per record.
   * Stops at a record not consumed yet and at the end of the region. Records after the first
   * are nobody else's to touch: releasers only ever act at `released`, and a consumed record
   * never changes before it is released.
   */
  private consumedSpan(index: number, size: number): number {
    let end = (index + size) >>> 0;
    for (let records = 1; records < RELEASE_RECORDS; records++) {
      const offset = end & this.mask;
      if (offset === 0) break;
      const word = DATA_WORD + (offset >>> 2);
      if (Atomics.load(this.words, word) !== ((end + CONSUMED) | 0)) break;
      const length = this.words[word + 1] as number;
      end = (end + (length === WRAP_MARKER ? this.capacityBytes - offset : recordBytes(length))) >>> 0;
    }
    return (end - index) >>> 0;
  }

  /**
   * Wipes the span at `index` (stamped `releasing`) back to zero and moves `released` past it.
   * False when another receiver took the step over (this thread was presumed dead).
   */
  private finishRelease(index: number, word: number, size: number, releasing: number): boolean {
    const offset = index & this.mask;
    // An abandoned stretch may wrap inside; a run never passes the end of the region.
    const beforeEnd = Math.min(size, this.capacityBytes - offset) - RECORD_HEADER;
    if (beforeEnd > 0) wipe(this.bytes, DATA_BYTE + offset + RECORD_HEADER, beforeEnd);
    if (size - RECORD_HEADER > beforeEnd) wipe(this.bytes, DATA_BYTE, size - RECORD_HEADER - beforeEnd);
    if (Atomics.compareExchange(this.words, word, releasing, 0) !== releasing) return false;
    // Plain store, no call since the CAS (see releaseFinished): `released` moves with the stamp.
    // kill-window: the stamp-to-0 CAS above → `released` moved
    this.words[RELEASED] = (index + size) | 0;
    // kill-window end
    return true;
  }

  // ---- delivering --------------------------------------------------------------------------
  /**
   * The payload length (or WRAP_MARKER) of the record at `index` if it is still committed, else
   * NOT_COMMITTED (another receiver adopted it). Length first, stamp second (see recoverStalled).
   */
  protected committedLength(index: number): number {
    const word = DATA_WORD + ((index & this.mask) >>> 2);
    const length = this.words[word + 1] as number;
    if (Atomics.load(this.words, word) !== ((index + COMMITTED) | 0)) return NOT_COMMITTED;
    return length;
  }

  /** Counts a hook's failure and hands it to onHookError (whose own failure is dropped: it is the last resort). */
  protected hookFailed(error: unknown, hook: 'onTake' | 'onAbandonedClaim'): void {
    this.hookErrors++;
    try {
      this.onHookError?.(error, hook);
    } catch {
      // Nothing further to report to.
    }
  }
}
