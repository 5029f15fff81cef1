// The multi-producer single-consumer ring: one SPSC lane per producer, drained round-robin by
// the one consumer (see README.md for why lanes rather than a shared claimed region).
//
// Header: line 0 meta, line 1 consumer bell (shared by all lanes: the consumer parks once, on
// one word, whichever lane gets a message), then the lane owner table (one word per lane: 0 =
// free, otherwise the owner handle's token), then three lines per lane (write index, read index,
// producer bell). The data regions of the lanes follow, `capacityBytes` each.
//
// A producer handle claims a lane with compare-and-swap on its first send and keeps it until
// release(). Because a lane has exactly one writer, a producer thread that is terminated mid-send
// leaves at worst an unpublished half-record in its own lane: nobody else ever waits for it.
import { LaneReader, LaneWriter, laneMaxMessageBytes, type LanePlace } from './byte-lane.js';
import { closedError, RingError } from './errors.js';
import { LINE_BYTES, LINE_WORDS, META_NEXT_TOKEN, headerLines, allocateRing, normalizeOptions, verifyDescriptor } from './layout.js';
import { RingBase } from './ring-base.js';
import type { RingDescriptor, RingOptions } from './types.js';
import { ViewCache } from './view-cache.js';

const CONSUMER_BELL = 1 * LINE_WORDS;
const OWNER_TABLE = 2 * LINE_WORDS;
/** Messages taken from one lane before the consumer moves to the next (fairness vs. fewer index stores). */
const BURST = 64;

export class MpscRing extends RingBase {
  readonly kind = 'mpsc' as const;
  readonly maxMessageBytes: number;
  private readonly lanes: LanePlace[];
  // producer side
  private lane = -1;
  private token = 0;
  private writer: LaneWriter | undefined;
  private reserveViews: ViewCache | undefined;
  // consumer side
  private readonly readers: (LaneReader | undefined)[];
  private nextLane = 0;
  /** Lane whose record tryReceiveView() handed out; released on the next read call. */
  private heldLane = -1;
  private readViews: ViewCache | undefined;

  static create(options: RingOptions): MpscRing {
    const normalized = normalizeOptions(options);
    return new MpscRing(allocateRing('mpsc', normalized), normalized);
  }

  static attach(descriptor: RingDescriptor): MpscRing {
    const { buffer, options } = verifyDescriptor(descriptor, 'mpsc');
    return new MpscRing(buffer, options);
  }

  private constructor(buffer: SharedArrayBuffer, options: Required<RingOptions>) {
    super(buffer, options);
    const { capacityBytes, maxProducers } = options;
    this.maxMessageBytes = laneMaxMessageBytes(capacityBytes);
    const firstLaneLine = 2 + Math.ceil(maxProducers / LINE_WORDS);
    const dataStart = headerLines('mpsc', maxProducers) * LINE_BYTES;
    this.lanes = [];
    for (let i = 0; i < maxProducers; i++) {
      const line = firstLaneLine + 3 * i;
      this.lanes.push({
        writeWord: line * LINE_WORDS,
        readWord: (line + 1) * LINE_WORDS,
        producerBell: (line + 2) * LINE_WORDS,
        consumerBell: CONSUMER_BELL,
        dataByte: dataStart + i * capacityBytes,
        capacity: capacityBytes,
      });
    }
    this.readers = new Array<LaneReader | undefined>(maxProducers).fill(undefined);
  }

  /** The lane this handle produces into, or -1 before its first send / after release(). */
  get producerLane(): number {
    return this.lane;
  }

  // ---- lanes -------------------------------------------------------------------------------
  private claimLane(): LaneWriter {
    this.token = (Atomics.add(this.words, META_NEXT_TOKEN, 1) + 1) | 0 || 1;
    for (let i = 0; i < this.lanes.length; i++) {
      if (Atomics.compareExchange(this.words, OWNER_TABLE + i, 0, this.token) === 0) {
        this.lane = i;
        // The writer starts from the lane's published index: whatever a previous owner left
        // unpublished (a half-written record of a terminated thread) is simply overwritten.
        this.writer = new LaneWriter(this.words, this.bytes, this.lanes[i] as LanePlace);
        return this.writer;
      }
    }
    throw new RingError(
      'RING_NO_LANE',
      `all ${this.lanes.length} producer lanes are taken: release() a producer handle you no longer use, reclaimLane() the lane of a thread that has exited, or create the ring with a larger maxProducers`,
    );
  }

  /** Gives this handle's lane back (messages already in it are still delivered). The ring stays open. */
  override release(): void {
    if (this.lane < 0) return;
    Atomics.compareExchange(this.words, OWNER_TABLE + this.lane, this.token, 0);
    this.lane = -1;
    this.writer = undefined;
  }

  /**
   * Frees the lane of a producer thread that is known to have exited (e.g. from the Worker's
   * 'exit' event) without calling release(). Its published messages are still delivered; its
   * unpublished half-record is discarded. Never call it for a live producer: two writers on one
   * lane corrupt it.
   */
  reclaimLane(lane: number): void {
    if (!Number.isInteger(lane) || lane < 0 || lane >= this.lanes.length) {
      throw new RingError('RING_INVALID_ARGUMENT', `reclaimLane needs a lane number from 0 to ${this.lanes.length - 1}, got ${String(lane)}`);
    }
    Atomics.store(this.words, OWNER_TABLE + lane, 0);
    if (this.lane === lane) {
      this.lane = -1;
      this.writer = undefined;
    }
  }

  // ---- producing ---------------------------------------------------------------------------
  private producerWriter(): LaneWriter {
    const writer = this.writer ?? this.claimLane();
    if (writer.hasReservation) throw this.pendingReserveError();
    return writer;
  }

  trySend(message: Uint8Array): boolean {
    this.checkMessage(message);
    this.checkOpen();
    const writer = this.producerWriter();
    if (!writer.put(message)) return false;
    writer.publish();
    return true;
  }

  trySendBatch(messages: readonly Uint8Array[]): number {
    this.checkBatch(messages);
    this.checkOpen();
    const writer = this.producerWriter();
    const publishEvery = this.capacityBytes / 4;
    let sent = 0;
    while (sent < messages.length && writer.put(messages[sent] as Uint8Array)) {
      sent++;
      if (writer.unpublishedBytes >= publishEvery) writer.publish();
    }
    writer.publish();
    return sent;
  }

  reserve(length: number): Uint8Array | undefined {
    this.checkReserveLength(length);
    this.checkOpen();
    const writer = this.writer ?? this.claimLane();
    const at = writer.reserve(length);
    if (at < 0) return undefined;
    this.reserveViews ??= new ViewCache(this.buffer, this.capacityBytes * this.lanes.length);
    return this.reserveViews.view(at, length);
  }

  commit(): void {
    const writer = this.writer;
    if (writer === undefined || !writer.hasReservation) throw this.commitWithoutReserveError();
    if (this.closed) {
      writer.dropReservation();
      throw closedError();
    }
    writer.commitReserved();
  }

  // ---- consuming ---------------------------------------------------------------------------
  private reader(lane: number): LaneReader {
    return this.readers[lane] ?? (this.readers[lane] = new LaneReader(this.words, this.lanes[lane] as LanePlace));
  }

  private releaseHeld(): void {
    if (this.heldLane >= 0) {
      this.reader(this.heldLane).publish();
      this.heldLane = -1;
    }
  }

  /** The next lane, round-robin from the last one served, that has a record (peeked), or -1. */
  private findLane(): number {
    const count = this.lanes.length;
    let lane = this.nextLane;
    for (let k = 0; k < count; k++) {
      if (this.reader(lane).peek() >= 0) {
        this.nextLane = lane + 1 === count ? 0 : lane + 1;
        return lane;
      }
      lane = lane + 1 === count ? 0 : lane + 1;
    }
    return -1;
  }

  tryReceive(): Uint8Array | undefined {
    this.releaseHeld();
    const lane = this.findLane();
    if (lane < 0) return undefined;
    const reader = this.reader(lane);
    const at = reader.peek();
    const copy = this.bytes.slice(at, at + reader.length);
    reader.advance();
    reader.publish();
    return copy;
  }

  tryReceiveView(): Uint8Array | undefined {
    this.releaseHeld();
    const lane = this.findLane();
    if (lane < 0) return undefined;
    const reader = this.reader(lane);
    const at = reader.peek();
    this.readViews ??= new ViewCache(this.buffer, this.capacityBytes * this.lanes.length);
    const view = this.readViews.view(at, reader.length);
    reader.advance();
    this.heldLane = lane;
    return view;
  }

  tryReceiveBatch(max: number, into: Uint8Array[] = []): Uint8Array[] {
    this.checkMax(max);
    this.forEachRecord(max, (at, length) => {
      into.push(this.bytes.slice(at, at + length));
    });
    return into;
  }

  drain(onMessage: (view: Uint8Array) => void, max = Infinity): number {
    this.checkMax(max);
    const views = (this.readViews ??= new ViewCache(this.buffer, this.capacityBytes * this.lanes.length));
    return this.forEachRecord(max, (at, length) => onMessage(views.view(at, length)));
  }

  /**
   * Visits up to `max` records, BURST at a time per lane, round-robin, until every lane is empty
   * (or about one ring-full was visited). Each lane's read index is published once per burst.
   */
  private forEachRecord(max: number, visit: (at: number, length: number) => void): number {
    this.releaseHeld();
    const count = this.lanes.length;
    let lane = this.nextLane;
    let emptyInARow = 0;
    let n = 0;
    // At most about one ring-full per call, so steady producers cannot keep it going forever.
    let budget = this.capacityBytes * count;
    const publishEvery = this.capacityBytes / 4; // give space back early inside a long burst
    while (n < max && emptyInARow < count && budget > 0) {
      const reader = this.reader(lane);
      let took = 0;
      try {
        while (took < BURST && n < max) {
          const at = reader.peek();
          if (at < 0) break;
          const length = reader.length;
          reader.advance();
          budget -= length + 4;
          took++;
          n++;
          visit(at, length);
          if (reader.unpublishedBytes >= publishEvery) reader.publish();
        }
      } finally {
        reader.publish();
      }
      emptyInARow = took === 0 ? emptyInARow + 1 : 0;
      lane = lane + 1 === count ? 0 : lane + 1;
    }
    this.nextLane = lane;
    return n;
  }

  // ---- waiting -----------------------------------------------------------------------------
  protected consumerBell(): number {
    return CONSUMER_BELL;
  }

  protected producerBell(): number {
    // Only reached after a trySend that claimed a lane (or threw).
    return (this.lanes[this.lane] as LanePlace).producerBell;
  }

  protected allBells(): number[] {
    return [CONSUMER_BELL, ...this.lanes.map((lane) => lane.producerBell)];
  }
}
