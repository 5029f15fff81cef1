// The single-producer single-consumer ring: one lane (byte-lane.ts) and two bells.
// Header: line 0 meta, line 1 write index, line 2 read index, line 3 consumer bell, line 4
// producer bell; then the data region. One handle sends, one handle receives.
import { LaneReader, LaneWriter, laneMaxMessageBytes, type LanePlace } from './byte-lane.js';
import { closedError } from './errors.js';
import { LINE_BYTES, LINE_WORDS, allocateRing, normalizeOptions, verifyDescriptor } from './layout.js';
import { RingBase } from './ring-base.js';
import type { RingDescriptor, RingOptions } from './types.js';
import { ViewCache } from './view-cache.js';

const WRITE_WORD = 1 * LINE_WORDS;
const READ_WORD = 2 * LINE_WORDS;
const CONSUMER_BELL = 3 * LINE_WORDS;
const PRODUCER_BELL = 4 * LINE_WORDS;
const DATA_BYTE = 5 * LINE_BYTES;

export class SpscRing extends RingBase {
  readonly kind = 'spsc' as const;
  readonly maxMessageBytes: number;
  private readonly place: LanePlace;
  /** Publish at least this often inside a batch, so the other side can start early. */
  private readonly publishEvery: number;
  private writer: LaneWriter | undefined;
  private reader: LaneReader | undefined;
  private readViews: ViewCache | undefined;
  private reserveViews: ViewCache | undefined;
  /** tryReceiveView() handed out a view whose record is released on the next read call. */
  private holdingView = false;

  static create(options: RingOptions): SpscRing {
    const normalized = normalizeOptions(options);
    return new SpscRing(allocateRing('spsc', normalized), normalized);
  }

  static attach(descriptor: RingDescriptor): SpscRing {
    const { buffer, options } = verifyDescriptor(descriptor, 'spsc');
    return new SpscRing(buffer, options);
  }

  private constructor(buffer: SharedArrayBuffer, options: Required<RingOptions>) {
    super(buffer, options);
    this.maxMessageBytes = laneMaxMessageBytes(options.capacityBytes);
    this.publishEvery = options.capacityBytes / 4;
    this.place = {
      writeWord: WRITE_WORD,
      readWord: READ_WORD,
      consumerBell: CONSUMER_BELL,
      producerBell: PRODUCER_BELL,
      dataByte: DATA_BYTE,
      capacity: options.capacityBytes,
    };
  }

  // Each side's state is created on its first use, from the indices in shared memory, so a
  // handle that only receives never holds a stale producer state (and the other way round).
  private openWriter(): LaneWriter {
    this.writer = new LaneWriter(this.words, this.bytes, this.place);
    return this.writer;
  }

  private openReader(): LaneReader {
    this.reader = new LaneReader(this.words, this.place);
    return this.reader;
  }

  // ---- producing ---------------------------------------------------------------------------
  trySend(message: Uint8Array): boolean {
    this.checkMessage(message);
    this.checkOpen();
    const writer = this.writer ?? this.openWriter();
    if (writer.hasReservation) throw this.pendingReserveError();
    if (!writer.put(message)) return false;
    writer.publish();
    return true;
  }

  trySendBatch(messages: readonly Uint8Array[]): number {
    this.checkBatch(messages);
    this.checkOpen();
    const writer = this.writer ?? this.openWriter();
    if (writer.hasReservation) throw this.pendingReserveError();
    let sent = 0;
    while (sent < messages.length && writer.put(messages[sent] as Uint8Array)) {
      sent++;
      if (writer.unpublishedBytes >= this.publishEvery) writer.publish();
    }
    writer.publish();
    return sent;
  }

  reserve(length: number): Uint8Array | undefined {
    this.checkReserveLength(length);
    this.checkOpen();
    const writer = this.writer ?? this.openWriter();
    const at = writer.reserve(length);
    if (at < 0) return undefined;
    this.reserveViews ??= new ViewCache(this.buffer, this.capacityBytes);
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
  private startRead(): LaneReader {
    const reader = this.reader ?? this.openReader();
    if (this.holdingView) {
      this.holdingView = false;
      reader.publish();
    }
    return reader;
  }

  tryReceive(): Uint8Array | undefined {
    const reader = this.startRead();
    const at = reader.peek();
    if (at < 0) return undefined;
    const copy = this.bytes.slice(at, at + reader.length);
    reader.advance();
    reader.publish();
    return copy;
  }

  tryReceiveView(): Uint8Array | undefined {
    const reader = this.startRead();
    const at = reader.peek();
    if (at < 0) return undefined;
    this.readViews ??= new ViewCache(this.buffer, this.capacityBytes);
    const view = this.readViews.view(at, reader.length);
    reader.advance();
    this.holdingView = true;
    return view;
  }

  tryReceiveBatch(max: number, into: Uint8Array[] = []): Uint8Array[] {
    this.checkMax(max);
    const reader = this.startRead();
    // At most about one ring-full per call, so a steady producer cannot keep it going forever.
    let budget = this.capacityBytes;
    for (let n = 0; n < max && budget > 0; n++) {
      const at = reader.peek();
      if (at < 0) break;
      into.push(this.bytes.slice(at, at + reader.length));
      budget -= reader.length + 4;
      reader.advance();
      if (reader.unpublishedBytes >= this.publishEvery) reader.publish();
    }
    reader.publish();
    return into;
  }

  drain(onMessage: (view: Uint8Array) => void, max = Infinity): number {
    this.checkMax(max);
    const reader = this.startRead();
    const views = (this.readViews ??= new ViewCache(this.buffer, this.capacityBytes));
    let n = 0;
    let budget = this.capacityBytes; // about one ring-full per call at most (see tryReceiveBatch)
    try {
      while (n < max && budget > 0) {
        const at = reader.peek();
        if (at < 0) break;
        const length = reader.length;
        budget -= length + 4;
        // Stepping past it locally is safe: its memory stays ours until publish().
        reader.advance();
        n++;
        onMessage(views.view(at, length));
        if (reader.unpublishedBytes >= this.publishEvery) reader.publish();
      }
    } finally {
      reader.publish();
    }
    return n;
  }

  // ---- waiting -----------------------------------------------------------------------------
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
