// The channel's queue (what `send` fills and `receive` takes from). While the channel has never
// left the thread that created it — nobody called describe(), so no other thread can hold its
// buffers — its messages wait in a plain array here: no atomics, no copy into shared memory and
// back out, and a message sent by the fast path stays a LocalMessage object (never encoded or
// decoded). The moment the channel is described, `goShared()` moves what is queued, in order,
// into the shared MPMC ring (encoding what it must), and from then on every call goes to the ring.
//
// The local mode keeps the ring's rules, so nothing above it can tell the difference:
// - bytes: a record counts what it would occupy in the ring (8-byte header, payload padded to 8),
//   and the total never exceeds the ring's capacity, so an untouched ring always takes everything
//   at the switch (records laid end to end from offset 0 never need a wrap);
// - the same size limit, the same errors (RingError codes), close that lets receivers drain first;
// - a record handed to trySend/trySendBatch is copied (the caller may reuse its buffer);
//   a record taken out belongs to the taker (nobody else holds it).
import { RingError, sleepSync, type Ring, type WaitOptions } from '../../../native-queue/index.js';
import type { ControlBlock } from './control-block.js';
import { LocalMessage } from './local-message.js';

/** What a local queue holds: an encoded record, or a message still in object form. */
export type QueueEntry = Uint8Array | LocalMessage;

const CHUNK_BYTES = 64 * 1024;
const OWN_BUFFER_ABOVE = CHUNK_BYTES / 8;
const RING_RECORD_HEADER = 8;
/** V8's largest typed array kept on the JS heap (its typed_array_max_size_in_heap default). */
const ON_HEAP_MAX_BYTES = 64;
/** Queue slots a drained or mostly drained array may hold before they are given back. */
const COMPACT_AFTER = 4096;

/** What a record costs in the MPMC ring (its layout: u32 stamp, u32 length, payload padded to 8). */
function ringFootprint(length: number): number {
  return RING_RECORD_HEADER + ((length + 7) & ~7);
}

/**
 * A wait on an empty local queue: resolves when something is added (the waiter then takes it
 * like any receiver, so nothing is handed to a waiter that might not use it), rejects on close,
 * the switch to the ring (RING_TIMEOUT: look again), a timeout or its signal.
 */
class Waiter {
  private readonly timer: NodeJS.Timeout | undefined;
  private readonly onAbort = () => this.finish(abortedError());

  constructor(
    private readonly list: Waiter[],
    private readonly resolve: () => void,
    private readonly reject: (err: RingError) => void,
    timeoutMs: number,
    private readonly signal: AbortSignal | undefined,
  ) {
    if (timeoutMs !== Infinity) this.timer = setTimeout(() => this.finish(timeoutError(timeoutMs)), Math.max(0, timeoutMs));
    signal?.addEventListener('abort', this.onAbort, { once: true });
  }

  finish(err: RingError | undefined): void {
    const at = this.list.indexOf(this);
    if (at >= 0) this.list.splice(at, 1);
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.signal?.removeEventListener('abort', this.onAbort);
    if (err) this.reject(err);
    else this.resolve();
  }
}

/** The subset of Ring the channel uses on its queue. */
export type QueueRing = Pick<
  Ring,
  'closed' | 'capacityBytes' | 'maxMessageBytes' | 'trySend' | 'trySendBatch' | 'tryReceive' | 'drain' | 'reserve' | 'commit' | 'receive' | 'receiveSync' | 'close'
>;

export class ChannelQueue implements QueueRing {
  /** True until goShared(): messages live in `records`, not in the ring. */
  private local: boolean;
  /**
   * Queued records are records[head..tail). Emptied by moving both back to 0, never by setting
   * length: that would free the array's storage for the next send to allocate again.
   */
  private records: (QueueEntry | undefined)[] = [];
  private head = 0;
  private tail = 0;
  private usedBytes = 0;
  private localClosed = false;
  private readonly waiters: Waiter[] = [];
  private chunk: Uint8Array | undefined;
  private chunkUsed = 0;
  private reserved: Uint8Array | undefined;

  constructor(
    readonly ring: Ring,
    /** False for a channel attached from a descriptor: other threads may already use the ring. */
    startLocal: boolean,
  ) {
    this.local = startLocal;
  }

  get isLocal(): boolean {
    return this.local;
  }

  /**
   * After `n` messages left this queue: a thread-local queue's takes are counted out of
   * `capacity` here; the shared ring counted each one out inside its take already
   * (shared-channel.ts, onTake), so a receiver killed mid-take leaks no count. Either way,
   * blocked senders are rung.
   */
  countTaken(control: ControlBlock, n: number): void {
    if (this.local) control.taken(n);
    else control.rang();
  }

  get closed(): boolean {
    return this.local ? this.localClosed : this.ring.closed;
  }

  get capacityBytes(): number {
    return this.ring.capacityBytes;
  }

  get maxMessageBytes(): number {
    return this.ring.maxMessageBytes;
  }

  /** Messages waiting in local mode (0 once shared). */
  get localLength(): number {
    return this.tail - this.head;
  }

  // ---- producing ----------------------------------------------------------------------------

  reserve(length: number): Uint8Array | undefined {
    if (!this.local) return this.ring.reserve(length);
    this.checkCanAdd(length);
    if (this.usedBytes + ringFootprint(length) > this.ring.capacityBytes) return undefined;
    this.reserved = this.allocate(length);
    return this.reserved;
  }

  /**
   * Gives up the last reserve() unpublished (the shared ring then skips its space). False when
   * the shared ring's receivers had already abandoned it (it stalled past abandonAfterMs).
   */
  cancel(): boolean {
    if (!this.local) return (this.ring as unknown as { cancel(): boolean }).cancel();
    this.reserved = undefined;
    return true;
  }

  commit(): void {
    if (!this.local) return this.ring.commit();
    const record = this.reserved;
    if (record === undefined) throw new RingError('RING_INVALID_ARGUMENT', 'commit() without a reserve() before it');
    this.reserved = undefined;
    this.add(record);
  }

  trySend(message: Uint8Array): boolean {
    if (!this.local) return this.ring.trySend(message);
    this.checkCanAdd(message.length);
    if (this.usedBytes + ringFootprint(message.length) > this.ring.capacityBytes) return false;
    const copy = this.allocate(message.length);
    copy.set(message);
    this.add(copy);
    return true;
  }

  trySendBatch(messages: readonly Uint8Array[]): number {
    if (!this.local) return this.ring.trySendBatch(messages);
    let sent = 0;
    for (const message of messages) {
      if (!this.trySend(message)) break;
      sent++;
    }
    return sent;
  }

  /**
   * The fast path: a message in object form (its `size` is its encoded size). The queue keeps
   * its own copy of the payload (the sender may reuse its buffer). Local mode only.
   */
  offerLocal(message: LocalMessage): boolean {
    const envelopeBytes = message.size;
    this.checkCanAdd(envelopeBytes);
    const footprint = ringFootprint(envelopeBytes);
    if (this.usedBytes + footprint > this.ring.capacityBytes) return false;
    message.data = this.copyPayload(message.data);
    // add() with the footprint already known (the hot path: once per message sent).
    this.records[this.tail++] = message;
    this.usedBytes += footprint;
    if (this.waiters.length > 0) this.wakeAll(() => undefined);
    return true;
  }

  // ---- consuming ----------------------------------------------------------------------------

  /** The next entry, owned by the caller (local mode only; undefined when empty). */
  takeLocal(): QueueEntry | undefined {
    if (this.head === this.tail) return undefined;
    const record = this.records[this.head]!;
    this.records[this.head++] = undefined;
    if (this.head === this.tail) {
      this.head = this.tail = 0;
      if (this.records.length > COMPACT_AFTER) this.records = []; // a burst is over: give its storage back
    } else if (this.head >= COMPACT_AFTER && this.head * 2 >= this.tail) {
      // A backlog that never empties: move it to the front now and then, so the array cannot grow forever.
      this.records.copyWithin(0, this.head, this.tail);
      this.tail -= this.head;
      this.head = 0;
      this.records.length = this.tail;
    }
    this.usedBytes -= ringFootprint(entryBytes(record));
    return record;
  }

  /** Moves up to `max` entries into `out`, in order (local mode only); returns how many. */
  takeLocalInto(out: QueueEntry[], max: number): number {
    const n = Math.min(max, this.tail - this.head);
    for (let i = 0; i < n; i++) out.push(this.takeLocal()!);
    return n;
  }

  tryReceive(): Uint8Array | undefined {
    return this.local ? recordOf(this.takeLocal()) : this.ring.tryReceive();
  }

  drain(onMessage: (view: Uint8Array) => void, max = Infinity): number {
    if (!this.local) return this.ring.drain(onMessage, max);
    let n = 0;
    for (; n < max; n++) {
      const record = recordOf(this.takeLocal());
      if (record === undefined) break;
      onMessage(record);
    }
    return n;
  }

  async receive(options: WaitOptions = {}): Promise<Uint8Array> {
    const end = performance.now() + (options.timeoutMs ?? Infinity);
    for (;;) {
      if (!this.local) return this.ring.receive({ ...options, timeoutMs: Math.max(0, end - performance.now()) });
      const record = recordOf(this.takeLocal());
      if (record !== undefined) return record;
      try {
        await this.arrival({ timeoutMs: Math.max(0, end - performance.now()), signal: options.signal });
      } catch (err) {
        // The switch to the ring wakes waiters with RING_TIMEOUT: look again (on the ring).
        if (!(err instanceof RingError && err.code === 'RING_TIMEOUT' && !this.local)) throw err;
      }
    }
  }

  /**
   * Local mode: resolves when an entry is added (take it then), rejects with RING_CLOSED once
   * closed and empty, RING_TIMEOUT after `timeoutMs` or when the channel goes shared (look again),
   * RING_ABORTED on the signal.
   */
  arrival(options: WaitOptions = {}): Promise<void> {
    if (!this.local) return Promise.reject(timeoutError(0));
    if (this.head !== this.tail) return Promise.resolve();
    if (this.localClosed) return Promise.reject(closedError());
    const { timeoutMs = Infinity, signal } = options;
    if (signal?.aborted) return Promise.reject(abortedError());
    return new Promise<void>((resolve, reject) => {
      this.waiters.push(new Waiter(this.waiters, resolve, reject, timeoutMs, signal));
    });
  }

  receiveSync(timeoutMs = Infinity): Uint8Array {
    if (!this.local) return this.ring.receiveSync(timeoutMs);
    const record = recordOf(this.takeLocal());
    if (record !== undefined) return record;
    if (this.localClosed) throw closedError();
    // Only this thread can add to a local queue, and it is blocked here: nothing can arrive.
    sleepSync(timeoutMs);
    throw timeoutError(timeoutMs);
  }

  close(): void {
    if (!this.local) return this.ring.close();
    if (this.localClosed) return;
    this.localClosed = true;
    this.wakeAll(closedError);
  }

  // ---- the switch ---------------------------------------------------------------------------

  /**
   * Moves every queued record, in order, into the shared ring; from now on every call goes to the
   * ring. Called when the channel's descriptor is about to leave this thread.
   */
  goShared(): void {
    if (!this.local) return;
    for (let i = this.head; i < this.tail; i++) {
      // Cannot fail: the ring was never used and the records fit its capacity end to end.
      if (!this.ring.trySend(recordOf(this.records[i])!)) {
        throw new RingError('RING_INVALID_ARGUMENT', 'internal: the shared ring refused a queued message while the channel went shared');
      }
    }
    this.records = [];
    this.head = this.tail = this.usedBytes = 0;
    this.chunk = undefined;
    this.local = false;
    if (this.localClosed) this.ring.close();
    // Waiters go round their loop again and park on the ring.
    this.wakeAll(() => timeoutError(0));
  }

  // ---- helpers ------------------------------------------------------------------------------

  private add(entry: QueueEntry): void {
    this.records[this.tail++] = entry;
    this.usedBytes += ringFootprint(entryBytes(entry));
    // Every waiter looks: one that finds the entry gone (another receiver was quicker) waits again.
    if (this.waiters.length > 0) this.wakeAll(() => undefined);
  }

  private checkCanAdd(length: number): void {
    if (this.localClosed) throw closedError();
    if (this.reserved !== undefined) throw new RingError('RING_INVALID_ARGUMENT', 'a reserve()d message is not committed yet: call commit() before sending anything else');
    if (length > this.ring.maxMessageBytes) {
      throw new RingError(
        'RING_MESSAGE_TOO_LARGE',
        `a message of ${length} bytes can never fit: this ring takes at most ${this.ring.maxMessageBytes} bytes per message; use a larger capacityBytes or split the message`,
      );
    }
  }

  /**
   * The queue's own copy of a payload (the sender may reuse its buffer once send resolves). V8
   * keeps a typed array of up to 64 bytes inside its own object on the JS heap (no ArrayBuffer
   * backing store until someone reads `.buffer`), so `new Uint8Array(data)` is one young
   * allocation plus the copy: about half the cost of a view into a chunk and set(). A payload
   * is never read through `.buffer` here (the encoder copies it with set()), so it stays there.
   */
  private copyPayload(data: Uint8Array): Uint8Array {
    if (data.length <= ON_HEAP_MAX_BYTES) return new Uint8Array(data);
    const copy = this.allocate(data.length);
    copy.set(data);
    return copy;
  }

  /** Room for one record: a slice of the current chunk (small), or a buffer of its own (large). */
  private allocate(length: number): Uint8Array {
    if (length > OWN_BUFFER_ABOVE) return new Uint8Array(length);
    if (this.chunk === undefined || this.chunkUsed + length > CHUNK_BYTES) {
      this.chunk = new Uint8Array(CHUNK_BYTES);
      this.chunkUsed = 0;
    }
    const at = this.chunkUsed;
    this.chunkUsed = (at + length + 7) & ~7; // 8-aligned, so a Float64Array over a payload stays possible
    return new Uint8Array(this.chunk.buffer, at, length); // cheaper than subarray (no species lookup)
  }

  private wakeAll(error: () => RingError | undefined): void {
    for (const w of [...this.waiters]) w.finish(error());
  }
}

/** Bytes of an entry's envelope. */
function entryBytes(entry: QueueEntry): number {
  return entry instanceof LocalMessage ? entry.size : entry.length;
}

/** An entry as an encoded record (what a ring holds). */
function recordOf(entry: QueueEntry | undefined): Uint8Array | undefined {
  return entry instanceof LocalMessage ? entry.toRecord() : entry;
}

function closedError(): RingError {
  return new RingError('RING_CLOSED', 'the ring is closed: no more messages can be sent, and every message sent before close() has been received');
}

function timeoutError(timeoutMs: number): RingError {
  return new RingError('RING_TIMEOUT', `timed out after ${timeoutMs} ms; retry, or raise timeoutMs`);
}

function abortedError(): RingError {
  return new RingError('RING_ABORTED', 'the wait was aborted by its AbortSignal; nothing was sent or received by this call');
}
