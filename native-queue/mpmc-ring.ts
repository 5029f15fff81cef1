// The multi-producer multi-consumer ring, for work distribution: every message goes to exactly
// one consumer. Variable-length records, space claimed with compare-and-swap, per-record stamps
// that carry the record's full free-running index (its "lap"), so no stale record can ever pass
// for a current one (no ABA). See README.md for the drawing and the invariants.
//
// Record: [i32 stamp][i32 length][payload][pad to 8]. The stamp word of record index i is
//   0      free (every free byte of the data region is zero: consumers wipe what they consumed)
//   i + 1  committed by its producer: consumers may claim it (length = payload or WRAP_MARKER)
//   i + 2  consumed: length now holds the record's full size; waiting to be released in order
// Indices are multiples of 8, so the three states can never be confused, whatever the lap.
//
// Header words, each on its own line: writeClaim (producers CAS it forward to claim space),
// readClaim (consumers CAS it forward over committed records), released (everything before it
// is free; advanced in order by whichever consumer finds the oldest record consumed), and the
// two bells.
import { LINE_BYTES, LINE_WORDS, allocateRing, normalizeOptions, verifyDescriptor } from './layout.js';
import { RingBase } from './ring-base.js';
import type { RingDescriptor, RingOptions } from './types.js';
import { ViewCache } from './view-cache.js';
import { wakeIfSleeping } from './waiting.js';

const WRITE_CLAIM = 1 * LINE_WORDS;
const READ_CLAIM = 2 * LINE_WORDS;
const RELEASED = 3 * LINE_WORDS;
const CONSUMER_BELL = 4 * LINE_WORDS;
const PRODUCER_BELL = 5 * LINE_WORDS;
const DATA_BYTE = 6 * LINE_BYTES;
const DATA_WORD = DATA_BYTE / 4;
const WRAP_MARKER = -1;
const RECORD_HEADER = 8;

function recordBytes(length: number): number {
  return RECORD_HEADER + ((length + 7) & ~7);
}

export class MpmcRing extends RingBase {
  readonly kind = 'mpmc' as const;
  readonly maxMessageBytes: number;
  private readonly mask: number;
  private cachedReleased = 0;
  // Set by claimSpace()/claimRecord() for the caller (avoids returning tuples on the hot path).
  private claimedIndex = 0;
  private claimedLength = 0;
  /** Index of a reserve()d record not committed yet, or -1. */
  private reservedIndex = -1;
  /** Record handed out by tryReceiveView(), finished on the next read call, or -1. */
  private heldIndex = -1;
  private heldLength = 0;
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
  }

  // ---- producing ---------------------------------------------------------------------------
  /**
   * Claims room for a record of `length` bytes and writes its length. Returns the byte offset of
   * the payload (record index in claimedIndex) or -1 when there is no room now.
   */
  private claimSpace(length: number): number {
    const capacity = this.capacityBytes;
    const size = recordBytes(length);
    for (;;) {
      let index = Atomics.load(this.words, WRITE_CLAIM) >>> 0;
      let offset = index & this.mask;
      const untilEnd = capacity - offset;
      const need = size <= untilEnd ? size : untilEnd + size;
      let used = (index - this.cachedReleased) >>> 0;
      if (used + need > capacity) {
        this.cachedReleased = Atomics.load(this.words, RELEASED) >>> 0;
        used = (index - this.cachedReleased) >>> 0;
        // released can be past our (now stale) index when others moved on meanwhile: retry.
        if (used > capacity) continue;
        if (used + need > capacity) return -1;
      }
      if (Atomics.compareExchange(this.words, WRITE_CLAIM, index | 0, (index + need) | 0) !== (index | 0)) continue;
      if (size > untilEnd) {
        // The skipped tail is a record of its own (a wrap marker) so consumers step over it.
        const word = DATA_WORD + (offset >>> 2);
        this.words[word + 1] = WRAP_MARKER;
        Atomics.store(this.words, word, (index + 1) | 0);
        index = (index + untilEnd) >>> 0;
        offset = 0;
      }
      this.words[DATA_WORD + (offset >>> 2) + 1] = length;
      this.claimedIndex = index;
      return DATA_BYTE + offset + RECORD_HEADER;
    }
  }

  /** Stamps the record committed, so consumers may take it; wakes consumers only if they sleep. */
  private commitRecord(index: number): void {
    Atomics.store(this.words, DATA_WORD + ((index & this.mask) >>> 2), (index + 1) | 0);
    wakeIfSleeping(this.words, CONSUMER_BELL);
  }

  private sendOne(message: Uint8Array): boolean {
    const at = this.claimSpace(message.length);
    if (at < 0) return false;
    this.bytes.set(message, at);
    this.commitRecord(this.claimedIndex);
    return true;
  }

  trySend(message: Uint8Array): boolean {
    this.checkMessage(message);
    this.checkOpen();
    if (this.reservedIndex !== -1) throw this.pendingReserveError();
    return this.sendOne(message);
  }

  trySendBatch(messages: readonly Uint8Array[]): number {
    this.checkBatch(messages);
    this.checkOpen();
    if (this.reservedIndex !== -1) throw this.pendingReserveError();
    let sent = 0;
    while (sent < messages.length && this.sendOne(messages[sent] as Uint8Array)) sent++;
    return sent;
  }

  reserve(length: number): Uint8Array | undefined {
    this.checkReserveLength(length);
    this.checkOpen();
    // The claim cannot be undone (others may claim after it), so a second reserve must wait.
    if (this.reservedIndex !== -1) throw this.pendingReserveError();
    const at = this.claimSpace(length);
    if (at < 0) return undefined;
    this.reservedIndex = this.claimedIndex;
    this.reserveViews ??= new ViewCache(this.buffer, this.capacityBytes);
    return this.reserveViews.view(at, length);
  }

  commit(): void {
    if (this.reservedIndex === -1) throw this.commitWithoutReserveError();
    // Even after close() the claimed record is committed: consumers wait for claimed space, so
    // leaving it uncommitted would stall them. It is delivered like any message sent before close.
    const index = this.reservedIndex;
    this.reservedIndex = -1;
    this.commitRecord(index);
  }

  // ---- consuming ---------------------------------------------------------------------------
  /** Claims the oldest committed record: returns its payload offset (index/length in claimed*) or -1. */
  private claimRecord(): number {
    for (;;) {
      const index = Atomics.load(this.words, READ_CLAIM) >>> 0;
      const offset = index & this.mask;
      const word = DATA_WORD + (offset >>> 2);
      if (Atomics.load(this.words, word) !== ((index + 1) | 0)) {
        // Empty, or its producer has not committed yet; unless another consumer moved on meanwhile.
        if (Atomics.load(this.words, READ_CLAIM) >>> 0 !== index) continue;
        return -1;
      }
      const length = this.words[word + 1] as number;
      const size = length === WRAP_MARKER ? this.capacityBytes - offset : recordBytes(length);
      if (Atomics.compareExchange(this.words, READ_CLAIM, index | 0, (index + size) | 0) !== (index | 0)) continue;
      if (length === WRAP_MARKER) {
        this.finishRecord(index, size);
        continue;
      }
      this.claimedIndex = index;
      this.claimedLength = length;
      return DATA_BYTE + offset + RECORD_HEADER;
    }
  }

  /**
   * Wipes a consumed record back to zero (free space must hold no stamp-like garbage), marks it
   * consumed, then releases every consumed record at the front of the ring, in order.
   */
  private finishRecord(index: number, size: number): void {
    const offset = index & this.mask;
    const word = DATA_WORD + (offset >>> 2);
    if (size > RECORD_HEADER) this.bytes.fill(0, DATA_BYTE + offset + RECORD_HEADER, DATA_BYTE + offset + size);
    this.words[word + 1] = size;
    Atomics.store(this.words, word, (index + 2) | 0);
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
    if (this.heldIndex !== -1) {
      const index = this.heldIndex;
      this.heldIndex = -1;
      this.finishRecord(index, recordBytes(this.heldLength));
    }
  }

  tryReceive(): Uint8Array | undefined {
    this.finishHeld();
    const at = this.claimRecord();
    if (at < 0) return undefined;
    const copy = this.bytes.slice(at, at + this.claimedLength);
    this.finishRecord(this.claimedIndex, recordBytes(this.claimedLength));
    return copy;
  }

  tryReceiveView(): Uint8Array | undefined {
    this.finishHeld();
    const at = this.claimRecord();
    if (at < 0) return undefined;
    this.readViews ??= new ViewCache(this.buffer, this.capacityBytes);
    this.heldIndex = this.claimedIndex;
    this.heldLength = this.claimedLength;
    return this.readViews.view(at, this.claimedLength);
  }

  tryReceiveBatch(max: number, into: Uint8Array[] = []): Uint8Array[] {
    this.checkMax(max);
    this.finishHeld();
    for (let n = 0; n < max; n++) {
      const at = this.claimRecord();
      if (at < 0) break;
      into.push(this.bytes.slice(at, at + this.claimedLength));
      this.finishRecord(this.claimedIndex, recordBytes(this.claimedLength));
    }
    return into;
  }

  drain(onMessage: (view: Uint8Array) => void, max = Infinity): number {
    this.checkMax(max);
    this.finishHeld();
    const views = (this.readViews ??= new ViewCache(this.buffer, this.capacityBytes));
    let n = 0;
    while (n < max) {
      const at = this.claimRecord();
      if (at < 0) break;
      const index = this.claimedIndex;
      const length = this.claimedLength;
      n++;
      try {
        onMessage(views.view(at, length));
      } finally {
        this.finishRecord(index, recordBytes(length));
      }
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
