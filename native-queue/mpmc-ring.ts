// The multi-producer multi-consumer ring, for work distribution: every message goes to exactly
// one consumer. Variable-length records, space claimed with compare-and-swap, per-record stamps
// that carry the record's full free-running index (its "lap"), so no stale record can ever pass
// for a current one (no ABA). This file is the producing side; mpmc-consuming.ts the consuming
// side; mpmc-records.ts the layout and the stamp states. See README.md for the drawing.
//
// A claim's first stamp is "writing" from the instant the claim exists (stored straight after the
// claiming CAS, with no function call in between: V8 stops a terminated thread only at function
// entries and loop back-edges), so even a producer killed right after claiming leaves a claim
// that says how long it is, and receivers can step over it (mpmc-consuming.ts, skipUnfinished).
import { allocateRing, normalizeOptions, verifyDescriptor } from './layout.js';
import { MpmcConsuming } from './mpmc-consuming.js';
import {
  ABANDONED, ABANDONED_STRETCH, COMMITTED, CONSUMER_BELL, DATA_BYTE, DATA_WORD, FINISHING, RELEASED, STRETCH_WRAPS,
  RECORD_HEADER, WRAP_MARKER, WRITE_CLAIM, WRITING, WRITING_STRETCH, recordBytes,
} from './mpmc-records.js';
import type { RingDescriptor, RingOptions } from './types.js';
import { ViewCache } from './view-cache.js';
import { wakeIfSleeping } from './waiting.js';
import { abandonedError } from './errors.js';

export class MpmcRing extends MpmcConsuming {
  private cachedReleased = 0;
  // Set by the claim functions for their caller (avoids returning tuples on the hot path).
  private claimedIndex = 0;
  /** Index of a reserve()d claim not committed yet, or -1; reservedRecord: its record (after a wrap). */
  private reservedIndex = -1;
  private reservedRecord = 0;
  /** The first record's length of the claim being written (stored at commit for a stretch). */
  private firstLength = 0;
  private reserveViews: ViewCache | undefined;

  static create(options: RingOptions): MpmcRing {
    const normalized = normalizeOptions(options);
    return new MpmcRing(allocateRing('mpmc', normalized), normalized);
  }

  static attach(descriptor: RingDescriptor): MpmcRing {
    const { buffer, options } = verifyDescriptor(descriptor, 'mpmc');
    return new MpmcRing(buffer, options);
  }

  private constructor(buffer: SharedArrayBuffer, options: Required<RingOptions>) {
    super(buffer, options);
    this.cachedReleased = Atomics.load(this.words, RELEASED) >>> 0;
  }

  // ---- producing ---------------------------------------------------------------------------
  /**
   * Claims room for up to `max` of messages[from…] (or for one record of `length` bytes when
   * `messages` is undefined) with one CAS of writeClaim. Returns how many were claimed (0: no
   * room now); the claimed space starts at index `claimedIndex`. A record that does not fit
   * before the end of the region is preceded by a wrap marker covering the skipped tail.
   */
  private claimSpace(messages: readonly Uint8Array[] | undefined, from: number, max: number, length: number): number {
    const capacity = this.capacityBytes;
    let refreshed = false;
    for (;;) {
      const start = Atomics.load(this.words, WRITE_CLAIM) >>> 0;
      const used = (start - this.cachedReleased) >>> 0;
      if (used > capacity) {
        // released moved past our stale view of writeClaim: re-read both.
        this.cachedReleased = Atomics.load(this.words, RELEASED) >>> 0;
        continue;
      }
      let free = capacity - used;
      let index = start;
      let count = 0;
      let first = 0;
      let firstWraps = false;
      while (count < max) {
        const payload = messages === undefined ? length : (messages[from + count] as Uint8Array).length;
        const size = recordBytes(payload);
        const untilEnd = capacity - (index & this.mask);
        const need = size <= untilEnd ? size : untilEnd + size;
        if (count === 0) {
          first = payload;
          firstWraps = size > untilEnd;
        }
        if (need > free) break;
        free -= need;
        index = (index + need) >>> 0;
        count++;
      }
      if (count < max && !refreshed) {
        // Our copy of `released` may be old: look again once before settling for less.
        refreshed = true;
        const released = Atomics.load(this.words, RELEASED) >>> 0;
        if (released !== this.cachedReleased) {
          this.cachedReleased = released;
          continue;
        }
      }
      if (count === 0) return 0;
      if (Atomics.compareExchange(this.words, WRITE_CLAIM, start | 0, index | 0) !== (start | 0)) continue;
      // The claim says what it is at once, before any call: from here a terminated producer
      // leaves a record receivers can measure and skip (see the stamp table at the top). Plain
      // stores, not Atomics.store: a call to an Atomics builtin is itself a point where a
      // terminated thread stops (seen in unoptimized code: a claim left with its length and a
      // zero stamp). The commit CAS that follows orders them before anything published; a
      // receiver acts on a "writing" stamp only after abandonAfterMs, long after both are visible.
      // No call here, not even a small helper: an interpreted call is a stop point too (a claim
      // left with a zero stamp, which nobody can step over, was seen once recordBytes() sat here).
      // kill-window: the claim CAS above → its stamp 'writing' (test/unit/kill-windows.test.ts)
      const word = DATA_WORD + ((start & this.mask) >>> 2);
      const span = (index - start) >>> 0;
      if (count === 1 && !firstWraps) {
        this.words[word + 1] = first;
        this.words[word] = (start + WRITING) | 0;
      } else {
        // A receiver that abandons the stretch must know where its first record is.
        this.words[word + 1] = firstWraps ? span | STRETCH_WRAPS : span;
        this.words[word] = (start + WRITING_STRETCH) | 0;
      }
      // kill-window end
      this.claimedIndex = start;
      return count;
    }
  }

  /**
   * Lays out the record at `index` (after a wrap marker when it does not fit before the end) of
   * the claim starting at `claim`, and returns the buffer offset of its payload; claimedIndex
   * becomes the record's own index. Headers inside the claim are written here (a wrap marker is
   * committed at once, a record by commitRecord()); the claim's first header already holds its
   * "writing" stamp, so its length (the record's, or WRAP_MARKER) waits in firstLength for
   * finishClaim().
   */
  private placeRecord(index: number, length: number, claim: number): number {
    let offset = index & this.mask;
    const untilEnd = this.capacityBytes - offset;
    if (recordBytes(length) > untilEnd) {
      if (index === claim) this.firstLength = WRAP_MARKER;
      else {
        const word = DATA_WORD + (offset >>> 2);
        this.words[word + 1] = WRAP_MARKER;
        Atomics.store(this.words, word, (index + COMMITTED) | 0);
      }
      index = (index + untilEnd) >>> 0;
      offset = 0;
    }
    if (index === claim) this.firstLength = length;
    else this.words[DATA_WORD + (offset >>> 2) + 1] = length;
    this.claimedIndex = index;
    return DATA_BYTE + offset + RECORD_HEADER;
  }

  /** Stamps a record inside a claim committed (consumers reach it once the claim's first is). */
  private commitRecord(index: number): void {
    Atomics.store(this.words, DATA_WORD + ((index & this.mask) >>> 2), (index + COMMITTED) | 0);
  }

  /**
   * Publishes the claim starting at `claim` by turning its first stamp from "writing" into
   * "committed" with a CAS, the same word receivers CAS to "abandoned": exactly one side wins.
   * False when the receivers won (the claim was abandoned: nothing of it will be delivered).
   */
  private finishClaim(claim: number): boolean {
    const word = DATA_WORD + ((claim & this.mask) >>> 2);
    const found = Atomics.compareExchange(this.words, word, (claim + WRITING) | 0, (claim + COMMITTED) | 0);
    if (found === ((claim + WRITING) | 0)) return true;
    // A stretch: its length word holds the claim's size (what an abandoning receiver reads)
    // until we own the commit, then the first record's real length.
    if (found !== ((claim + WRITING_STRETCH) | 0)) return false;
    if (Atomics.compareExchange(this.words, word, found, (claim + FINISHING) | 0) !== found) return false;
    // Plain stores (no call, so no stop between them and the CAS; see claimSpace). The CAS just
    // before is a full barrier, so every byte of the claim is visible before these two.
    // kill-window: the FINISHING CAS above → the committed stamp
    this.words[word + 1] = this.firstLength;
    this.words[word] = (claim + COMMITTED) | 0;
    // kill-window end
    return true;
  }

  private stillWriting(claim: number): boolean {
    const state = (Atomics.load(this.words, DATA_WORD + ((claim & this.mask) >>> 2)) - claim) | 0;
    return state === WRITING || state === WRITING_STRETCH;
  }

  /** Sends messages[from…] (at most max) into one claim; returns how many, -1 if it was abandoned. */
  private sendClaimed(messages: readonly Uint8Array[], from: number, max: number): number {
    const count = this.claimSpace(messages, from, max, 0);
    if (count === 0) return 0;
    const claim = this.claimedIndex;
    let index = claim;
    for (let i = 0; i < count; i++) {
      const message = messages[from + i] as Uint8Array;
      const at = this.placeRecord(index, message.length, claim);
      this.bytes.set(message, at);
      index = this.claimedIndex;
      if (index !== claim) this.commitRecord(index);
      index = (index + recordBytes(message.length)) >>> 0;
    }
    if (!this.finishClaim(claim)) return -1;
    wakeIfSleeping(this.words, CONSUMER_BELL);
    return count;
  }

  trySend(message: Uint8Array): boolean {
    this.checkMessage(message);
    this.checkOpen();
    if (this.reservedIndex !== -1) throw this.pendingReserveError();
    if (this.claimSpace(undefined, 0, 1, message.length) === 0) return false;
    const claim = this.claimedIndex;
    this.bytes.set(message, this.placeRecord(claim, message.length, claim));
    if (this.claimedIndex !== claim) this.commitRecord(this.claimedIndex); // after a wrap marker
    if (!this.finishClaim(claim)) throw abandonedError(this.abandonAfterMs);
    wakeIfSleeping(this.words, CONSUMER_BELL);
    return true;
  }

  trySendBatch(messages: readonly Uint8Array[]): number {
    this.checkBatch(messages);
    this.checkOpen();
    if (this.reservedIndex !== -1) throw this.pendingReserveError();
    let sent = 0;
    while (sent < messages.length) {
      // Stretches of at most 64 messages, so consumers can start before a huge batch is written.
      const count = this.sendClaimed(messages, sent, Math.min(64, messages.length - sent));
      if (count === -1) {
        // Receivers skipped this stretch (we stalled past abandonAfterMs). What went before was
        // delivered: report that prefix, as for a full ring; with nothing sent, say why.
        if (sent === 0) throw abandonedError(this.abandonAfterMs);
        break;
      }
      if (count === 0) break;
      sent += count;
    }
    return sent;
  }

  reserve(length: number): Uint8Array | undefined {
    this.checkReserveLength(length);
    this.checkOpen();
    // The claim cannot be undone (others may claim after it), so a second reserve must wait.
    if (this.reservedIndex !== -1) throw this.pendingReserveError();
    if (this.claimSpace(undefined, 0, 1, length) === 0) return undefined;
    const claim = this.claimedIndex;
    const at = this.placeRecord(claim, length, claim);
    this.reservedIndex = claim;
    this.reservedRecord = this.claimedIndex;
    this.reserveViews ??= new ViewCache(this.buffer, this.capacityBytes);
    return this.reserveViews.view(at, length);
  }

  commit(): void {
    if (this.reservedIndex === -1) throw this.commitWithoutReserveError();
    // Even after close() the claimed record is committed: consumers wait for claimed space, so
    // leaving it uncommitted would stall them. It is delivered like any message sent before close.
    const claim = this.reservedIndex;
    this.reservedIndex = -1;
    if (this.reservedRecord !== claim) {
      // After a wrap marker the record has a header of its own. Commit it only while the claim
      // is still ours: an abandoned claim's space is free, and free space must stay zero.
      if (!this.stillWriting(claim)) throw abandonedError(this.abandonAfterMs);
      this.commitRecord(this.reservedRecord);
    }
    if (!this.finishClaim(claim)) throw abandonedError(this.abandonAfterMs);
    wakeIfSleeping(this.words, CONSUMER_BELL);
  }

  /**
   * mpmc only (not part of Ring): gives up the last reserve() without publishing it. Its space
   * becomes a record receivers step over at once (it cannot be handed back: others may have
   * claimed after it). Returns false if receivers had already abandoned it.
   */
  cancel(): boolean {
    if (this.reservedIndex === -1) throw this.commitWithoutReserveError();
    const claim = this.reservedIndex;
    this.reservedIndex = -1;
    const word = DATA_WORD + ((claim & this.mask) >>> 2);
    const stamp = Atomics.load(this.words, word);
    const state = (stamp - claim) | 0;
    if (state !== WRITING && state !== WRITING_STRETCH) return false;
    const abandoned = (claim + (state === WRITING ? ABANDONED : ABANDONED_STRETCH)) | 0;
    if (Atomics.compareExchange(this.words, word, stamp, abandoned) !== stamp) return false;
    wakeIfSleeping(this.words, CONSUMER_BELL);
    return true;
  }
}
