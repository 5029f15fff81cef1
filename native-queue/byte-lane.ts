// One single-producer single-consumer lane of variable-length records: the SPSC ring is one
// lane, the MPSC ring is one lane per producer. The writer and the reader are separate objects
// because each side keeps its own private state (its unpublished index, its cached copy of the
// other side's index), which must never be shared between threads.
//
// Record: [i32 payload length][payload][pad to 4 bytes]. A record never straddles the end of the
// data region: when it does not fit before the end, the writer puts WRAP_MARKER where its length
// would go and starts the record at offset 0. Indices are free-running u32 byte counters; the
// offset is index & (capacity - 1). The wrap marker is published together with the record after
// it (one index store covers both), so a reader that meets a marker always finds a record at 0.
import { wakeIfSleeping } from './waiting.js';

export const WRAP_MARKER = -1;

/** Bytes one record of `length` payload bytes occupies. */
export function laneRecordBytes(length: number): number {
  return 4 + ((length + 3) & ~3);
}

/** Largest payload that always fits, whatever the wrap position (a record may cost up to twice its size). */
export function laneMaxMessageBytes(capacity: number): number {
  return capacity / 2 - 4;
}

export interface LanePlace {
  /** Word indices (in the buffer's Int32Array) of the lane's write index, read index and bells. */
  writeWord: number;
  readWord: number;
  consumerBell: number;
  producerBell: number;
  /** Byte offset of the lane's data region in the buffer, and its size (a power of two). */
  dataByte: number;
  capacity: number;
}

export class LaneWriter {
  private readonly words: Int32Array;
  private readonly bytes: Uint8Array;
  private readonly place: LanePlace;
  private readonly dataWord: number;
  private readonly mask: number;
  /** Next free index (local, published by publish()). */
  private write: number;
  private published: number;
  /** Last read index seen; re-read only when it no longer proves there is room. */
  private cachedRead: number;
  /** Index after the pending reserve()d record, or -1. */
  private reservedEnd = -1;
  /** Index just after the record placed by the last successful placeRecord(). */
  private endOfPlaced = 0;

  constructor(words: Int32Array, bytes: Uint8Array, place: LanePlace) {
    this.words = words;
    this.bytes = bytes;
    this.place = place;
    this.dataWord = place.dataByte >>> 2;
    this.mask = place.capacity - 1;
    this.write = Atomics.load(words, place.writeWord) >>> 0;
    this.published = this.write;
    this.cachedRead = Atomics.load(words, place.readWord) >>> 0;
  }

  get hasReservation(): boolean {
    return this.reservedEnd !== -1;
  }

  /**
   * Makes room for a record of `length` bytes (writing a wrap marker if needed) and writes its
   * length. Returns the buffer offset of its payload, or -1 when there is no room now. Advances
   * nothing: the caller moves `write` to `endOfPlaced` once the payload is in.
   */
  private placeRecord(length: number): number {
    const capacity = this.place.capacity;
    const size = laneRecordBytes(length);
    let index = this.write;
    let offset = index & this.mask;
    const untilEnd = capacity - offset;
    const need = size <= untilEnd ? size : untilEnd + size;
    if (((index - this.cachedRead) >>> 0) + need > capacity) {
      this.cachedRead = Atomics.load(this.words, this.place.readWord) >>> 0;
      if (((index - this.cachedRead) >>> 0) + need > capacity) return -1;
    }
    if (size > untilEnd) {
      this.words[this.dataWord + (offset >>> 2)] = WRAP_MARKER;
      index = (index + untilEnd) >>> 0;
      offset = 0;
    }
    this.words[this.dataWord + (offset >>> 2)] = length;
    this.endOfPlaced = (index + size) >>> 0;
    return this.place.dataByte + offset + 4;
  }

  /** Writes one record locally; false when there is no room. Call publish() to make it visible. */
  put(message: Uint8Array): boolean {
    const at = this.placeRecord(message.length);
    if (at < 0) return false;
    const length = message.length;
    if (length <= 16) {
      // set() has a fixed cost that dominates for tiny payloads.
      const bytes = this.bytes;
      for (let i = 0; i < length; i++) bytes[at + i] = message[i] as number;
    } else {
      this.bytes.set(message, at);
    }
    this.write = this.endOfPlaced;
    return true;
  }

  /** Reserves a record; returns its payload offset or -1. commitReserved() publishes it. */
  reserve(length: number): number {
    const at = this.placeRecord(length);
    this.reservedEnd = at < 0 ? -1 : this.endOfPlaced;
    return at;
  }

  commitReserved(): void {
    this.write = this.reservedEnd;
    this.reservedEnd = -1;
    this.publish();
  }

  /** Forgets a pending reservation (the ring closed before commit()). */
  dropReservation(): void {
    this.reservedEnd = -1;
  }

  /** Bytes written but not yet published. */
  get unpublishedBytes(): number {
    return (this.write - this.published) >>> 0;
  }

  /** Makes everything written so far visible to the reader; wakes it only if it sleeps. */
  publish(): void {
    if (this.write === this.published) return;
    this.published = this.write;
    Atomics.store(this.words, this.place.writeWord, this.write | 0);
    wakeIfSleeping(this.words, this.place.consumerBell);
  }
}

export class LaneReader {
  private readonly words: Int32Array;
  private readonly place: LanePlace;
  private readonly dataWord: number;
  private readonly mask: number;
  /** Next record to read (local, published by publish()). */
  private read: number;
  private published: number;
  private cachedWrite: number;
  /** Payload length of the record found by the last successful peek(). */
  length = 0;

  constructor(words: Int32Array, place: LanePlace) {
    this.words = words;
    this.place = place;
    this.dataWord = place.dataByte >>> 2;
    this.mask = place.capacity - 1;
    this.read = Atomics.load(words, place.readWord) >>> 0;
    this.published = this.read;
    this.cachedWrite = Atomics.load(words, place.writeWord) >>> 0;
  }

  /** Finds the next record: returns its payload's buffer offset (length in `this.length`) or -1. */
  peek(): number {
    let index = this.read;
    if (index === this.cachedWrite) {
      this.cachedWrite = Atomics.load(this.words, this.place.writeWord) >>> 0;
      if (index === this.cachedWrite) return -1;
    }
    let offset = index & this.mask;
    let length = this.words[this.dataWord + (offset >>> 2)] as number;
    if (length === WRAP_MARKER) {
      index = (index + this.place.capacity - offset) >>> 0;
      this.read = index;
      offset = 0;
      length = this.words[this.dataWord] as number;
    }
    this.length = length;
    return this.place.dataByte + offset + 4;
  }

  /** Steps past the record found by peek() (locally; its memory stays ours until publish()). */
  advance(): void {
    this.read = (this.read + laneRecordBytes(this.length)) >>> 0;
  }

  get unpublishedBytes(): number {
    return (this.read - this.published) >>> 0;
  }

  /** Gives the consumed records' space back to the writer; wakes it only if it sleeps. */
  publish(): void {
    if (this.read === this.published) return;
    this.published = this.read;
    Atomics.store(this.words, this.place.readWord, this.read | 0);
    wakeIfSleeping(this.words, this.place.producerBell);
  }
}
