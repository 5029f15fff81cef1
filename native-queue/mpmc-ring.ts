// The multi-producer multi-consumer ring, for work distribution: every message goes to exactly
// one consumer. Variable-length records, space claimed with compare-and-swap, per-record stamps
// that carry the record's full free-running index (its "lap"), so no stale record can ever pass
// for a current one (no ABA). See README.md for the drawing and the invariants.
//
// Record: [i32 stamp][i32 length][payload][pad to 8]. The stamp word of record index i is
//   0      free (every free byte of the data region is zero: consumers wipe what they consumed)
//   i + 1  committed by its producer: consumers may claim it (length = payload or WRAP_MARKER)
//   i + 2  consumed: length now holds the size of the consumed run that starts here (a consumer
//          claims up to RUN_MESSAGES adjacent records at once and gives them back as one)
//   i + 3  writing: claimed, being written; length = the payload length of this one record
//   i + 4  abandoned (was i + 3): receivers presumed the producer dead and skip the record
//   i + 5  writing a stretch: the claim starting here holds several records or a wrap marker;
//          length = the bytes of the whole claim (the first record's length comes at commit)
//   i + 6  finishing (was i + 5): the producer won the commit and is storing the real length
//   i + 7  abandoned (was i + 5): receivers skip the whole claim (length bytes)
// Indices are multiples of 8, so the states can never be confused, whatever the lap. A claim's
// first stamp is "writing" from the instant the claim exists (stored straight after the claiming
// CAS, with no function call in between: V8 stops a terminated thread only at function entries
// and loop back-edges), so even a producer killed right after claiming leaves a claim that says
// how long it is, and receivers can step over it (see skipAbandoned).
//
// Header words, each on its own line: writeClaim (producers CAS it forward to claim space, for a
// whole batch at once), readClaim (consumers CAS it forward over runs of committed records),
// released (everything before it is free; advanced in order by whichever consumer finds the
// oldest run consumed), and the two bells.
import { LINE_BYTES, LINE_WORDS, allocateRing, normalizeOptions, verifyDescriptor } from './layout.js';
import { RingBase } from './ring-base.js';
import type { RingDescriptor, RingOptions } from './types.js';
import { ViewCache } from './view-cache.js';
import { wakeIfSleeping } from './waiting.js';
import { abandonedError } from './errors.js';

const WRITE_CLAIM = 1 * LINE_WORDS;
const READ_CLAIM = 2 * LINE_WORDS;
const RELEASED = 3 * LINE_WORDS;
const CONSUMER_BELL = 4 * LINE_WORDS;
const PRODUCER_BELL = 5 * LINE_WORDS;
const DATA_BYTE = 6 * LINE_BYTES;
const DATA_WORD = DATA_BYTE / 4;
const WRAP_MARKER = -1;
// Stamp of a claim's first word = its index + one of these (see the table above).
const COMMITTED = 1;
const CONSUMED = 2;
const WRITING = 3;
const ABANDONED = 4;
const WRITING_STRETCH = 5;
const FINISHING = 6;
const ABANDONED_STRETCH = 7;
const RECORD_HEADER = 8;
/** Most messages one consumer claims at once: fewer CASes, without starving the other consumers. */
const RUN_MESSAGES = 32;

function recordBytes(length: number): number {
  return RECORD_HEADER + ((length + 7) & ~7);
}

/**
 * Zeros, shared by every handle in the thread, to wipe consumed runs with `set`: on a
 * SharedArrayBuffer `fill` stores element by element and costs about 4× a `set` from plain
 * memory (0.76 µs against 0.18 µs for a 32-message run of 64 B here; a third of a consumer's
 * time per message).
 */
const ZEROS = new Uint8Array(16 * 1024);
/** Views of ZEROS by length / 8 (wiped lengths are multiples of 8), so a wipe allocates nothing once warm. */
const zeroViews: (Uint8Array | undefined)[] = [];

function wipe(bytes: Uint8Array, from: number, length: number): void {
  while (length > ZEROS.length) {
    bytes.set(ZEROS, from);
    from += ZEROS.length;
    length -= ZEROS.length;
  }
  const slot = length >>> 3;
  bytes.set(zeroViews[slot] ?? (zeroViews[slot] = ZEROS.subarray(0, length)), from);
}

export class MpmcRing extends RingBase {
  readonly kind = 'mpmc' as const;
  readonly maxMessageBytes: number;
  private readonly mask: number;
  private cachedReleased = 0;
  // Set by the claim functions for their caller (avoids returning tuples on the hot path).
  private claimedIndex = 0;
  private runStart = 0;
  private runEnd = 0;
  /** Index of a reserve()d claim not committed yet, or -1; reservedRecord: its record (after a wrap). */
  private reservedIndex = -1;
  private reservedRecord = 0;
  /** The first record's length of the claim being written (stored at commit for a stretch). */
  private firstLength = 0;
  /** Receivers: an unfinished claim at the front watched since when (abandonment; -1: none). */
  private watchedIndex = -1;
  private watchedSince = 0;
  /** Infinity when claims are never abandoned. */
  private readonly abandonAfterMs: number;
  /**
   * Called (by this handle only) for each claim it abandons, before the claim is wiped, with a
   * view that starts at the first record's payload space (bytes the dead producer never wrote
   * are zero). Lets a layer above give back what the dead producer had counted for the message,
   * if the producer marks its payload once it has counted (see src/backends/memory).
   */
  onAbandonedClaim: ((payload: Uint8Array) => void) | undefined = undefined;
  /** Run whose message tryReceiveView() handed out, finished on the next read call (-1: none). */
  private heldStart = -1;
  private heldEnd = 0;
  private readViews: ViewCache | undefined;
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
    this.mask = options.capacityBytes - 1;
    // A record may cost up to twice its size (the skipped tail before a wrap), so it must be at
    // most half the region to always fit in an empty ring.
    this.maxMessageBytes = options.capacityBytes / 2 - RECORD_HEADER;
    this.cachedReleased = Atomics.load(this.words, RELEASED) >>> 0;
    this.abandonAfterMs = options.abandonAfterMs === 0 ? Infinity : options.abandonAfterMs;
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
      while (count < max) {
        const payload = messages === undefined ? length : (messages[from + count] as Uint8Array).length;
        if (count === 0) first = payload;
        const size = recordBytes(payload);
        const untilEnd = capacity - (index & this.mask);
        const need = size <= untilEnd ? size : untilEnd + size;
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
      const word = DATA_WORD + ((start & this.mask) >>> 2);
      const span = (index - start) >>> 0;
      if (count === 1 && span === recordBytes(first)) {
        this.words[word + 1] = first;
        this.words[word] = (start + WRITING) | 0;
      } else {
        this.words[word + 1] = span;
        this.words[word] = (start + WRITING_STRETCH) | 0;
      }
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
    this.words[word + 1] = this.firstLength;
    this.words[word] = (claim + COMMITTED) | 0;
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

  // ---- consuming ---------------------------------------------------------------------------
  /**
   * Claims a run of committed records that follow each other in memory, holding at most
   * `maxMessages` messages, with one CAS of readClaim. Sets runStart/runEnd; false when none is
   * committed now. A run ends at the end of the region (a wrap marker is its last record).
   */
  private claimRun(maxMessages: number): boolean {
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
        return false;
      }
      if (Atomics.compareExchange(this.words, READ_CLAIM, start | 0, index | 0) !== (start | 0)) continue;
      if (messages === 0) {
        this.finishRun(start, index); // only a wrap marker: step over it
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
      if (this.onAbandonedClaim !== undefined) this.reportAbandoned(start, word, state === WRITING);
      return this.skipUnfinished(start, word, abandoned);
    }
    // The claim's length word is final once abandoned: nobody writes it until it is consumed.
    if (state === ABANDONED) return (start + recordBytes(this.words[word + 1] as number)) >>> 0;
    if (state === ABANDONED_STRETCH) return (start + (this.words[word + 1] as number)) >>> 0;
    return start;
  }

  /** Hands the abandoned claim's first payload space to onAbandonedClaim (errors are its own). */
  private reportAbandoned(start: number, word: number, single: boolean): void {
    const offset = start & this.mask;
    const untilEnd = this.capacityBytes - offset;
    const size = single ? recordBytes(this.words[word + 1] as number) : (this.words[word + 1] as number);
    // A stretch longer than the tail may begin with a wrap marker: its first record is then at 0.
    const wrapped = !single && size > untilEnd && (this.words[DATA_WORD + 1] as number) !== 0;
    const at = wrapped ? 0 : offset;
    const length = (wrapped ? size - untilEnd : Math.min(size, untilEnd)) - RECORD_HEADER;
    try {
      this.onAbandonedClaim?.(new Uint8Array(this.buffer, DATA_BYTE + at + RECORD_HEADER, Math.max(0, length)));
    } catch {
      // A hook must not break the ring for everyone: the claim is skipped regardless.
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

  /**
   * Wipes a consumed run back to zero (free space must hold no stamp-like garbage), marks it
   * consumed as one record of its full size, then releases every consumed record at the front of
   * the ring, in order.
   */
  private finishRun(start: number, end: number): void {
    const offset = start & this.mask;
    const size = (end - start) >>> 0;
    const word = DATA_WORD + (offset >>> 2);
    if (size > RECORD_HEADER) {
      // A run never passes the end of the region; an abandoned claim may (it wraps inside).
      const beforeEnd = Math.min(size, this.capacityBytes - offset) - RECORD_HEADER;
      if (beforeEnd > 0) wipe(this.bytes, DATA_BYTE + offset + RECORD_HEADER, beforeEnd);
      if (size - RECORD_HEADER > beforeEnd) wipe(this.bytes, DATA_BYTE, size - RECORD_HEADER - beforeEnd);
    }
    this.words[word + 1] = size;
    Atomics.store(this.words, word, (start + CONSUMED) | 0);
    this.releaseConsumed();
  }

  private releaseConsumed(): void {
    let released = false;
    for (;;) {
      const index = Atomics.load(this.words, RELEASED) >>> 0;
      const word = DATA_WORD + ((index & this.mask) >>> 2);
      // Whoever turns the consumed stamp back to zero owns this release step; the stamp carries
      // the full index, so a stale `index` can never match a record of a later lap.
      if (Atomics.compareExchange(this.words, word, (index + 2) | 0, 0) !== ((index + 2) | 0)) break;
      const size = this.words[word + 1] as number;
      this.words[word + 1] = 0;
      Atomics.store(this.words, RELEASED, (index + size) | 0);
      released = true;
    }
    if (released) wakeIfSleeping(this.words, PRODUCER_BELL);
  }

  private finishHeld(): void {
    if (this.heldStart !== -1) {
      const start = this.heldStart;
      this.heldStart = -1;
      this.finishRun(start, this.heldEnd);
    }
  }

  /** Visits each message of the claimed run (payload offset and length), then finishes the run. */
  private consumeRun(visit: (at: number, length: number) => void): number {
    const start = this.runStart;
    const end = this.runEnd;
    let index = start;
    let count = 0;
    try {
      while (index !== end) {
        const offset = index & this.mask;
        const length = this.words[DATA_WORD + (offset >>> 2) + 1] as number;
        if (length === WRAP_MARKER) break; // always the last record of a run
        index = (index + recordBytes(length)) >>> 0;
        count++;
        visit(DATA_BYTE + offset + RECORD_HEADER, length);
      }
    } finally {
      this.finishRun(start, end);
    }
    return count;
  }

  /** The payload of the single message of the claimed run (run of maxMessages = 1). */
  private runPayload(): number {
    return DATA_BYTE + (this.runStart & this.mask) + RECORD_HEADER;
  }

  private runLength(): number {
    return this.words[DATA_WORD + ((this.runStart & this.mask) >>> 2) + 1] as number;
  }

  tryReceive(): Uint8Array | undefined {
    this.finishHeld();
    if (!this.claimRun(1)) return undefined;
    const at = this.runPayload();
    const copy = this.bytes.slice(at, at + this.runLength());
    this.finishRun(this.runStart, this.runEnd);
    return copy;
  }

  tryReceiveView(): Uint8Array | undefined {
    this.finishHeld();
    if (!this.claimRun(1)) return undefined;
    this.readViews ??= new ViewCache(this.buffer, this.capacityBytes);
    this.heldStart = this.runStart;
    this.heldEnd = this.runEnd;
    return this.readViews.view(this.runPayload(), this.runLength());
  }

  tryReceiveBatch(max: number, into: Uint8Array[] = []): Uint8Array[] {
    this.checkMax(max);
    this.finishHeld();
    const bytes = this.bytes;
    // At most about one ring-full per call, so steady producers cannot keep it going forever.
    let budget = this.capacityBytes;
    let n = 0;
    while (n < max && budget > 0 && this.claimRun(Math.min(RUN_MESSAGES, max - n))) {
      budget -= (this.runEnd - this.runStart) >>> 0;
      n += this.consumeRun((at, length) => into.push(bytes.slice(at, at + length)));
    }
    return into;
  }

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
    return Atomics.load(this.words, WRITE_CLAIM) !== Atomics.load(this.words, READ_CLAIM);
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
