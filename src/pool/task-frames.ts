// Frames: many tasks (or results) in one channel message. A message through the in-memory
// channel costs a few hundred nanoseconds of envelope, id and bookkeeping whatever its size; a
// tiny task costs about as much to run, so the pool sends tasks to a worker, and results back, in
// frames of many, and the channel's cost is shared by all of them.
//
//   task frame:    [u32 count] then per task   [u32 slot][u32 length][bytes]
//   result frame:  [u32 count] then per result [u32 slot][u32 status][f32 run ms][u32 length][bytes]
//
// `slot` is the task's place in its worker's table (pool-thread.ts): it names the task on the
// way back and indexes the worker's shared cancel flags. Little-endian, no alignment.

export const FRAME_HEADER_BYTES = 4;
export const TASK_ENTRY_HEADER_BYTES = 8;
export const RESULT_ENTRY_HEADER_BYTES = 16;

/** What a result entry carries. */
export const RESULT_OK = 0;
/** The task threw: the bytes are JSON of ThrownInfo (pool-errors.ts). */
export const RESULT_THREW = 1;
/** The task was cancelled before it started: not run, no bytes. */
export const RESULT_SKIPPED = 2;

/** Writes one task frame into a buffer allocated at its exact size (the channel copies it). */
export class TaskFrameWriter {
  readonly frame: Uint8Array;
  private readonly view: DataView;
  private at = FRAME_HEADER_BYTES;
  private count = 0;

  constructor(totalBytes: number) {
    this.frame = new Uint8Array(totalBytes);
    this.view = new DataView(this.frame.buffer);
  }

  static entryBytes(dataLength: number): number {
    return TASK_ENTRY_HEADER_BYTES + dataLength;
  }

  add(slot: number, data: Uint8Array): void {
    const view = this.view;
    view.setUint32(this.at, slot, true);
    view.setUint32(this.at + 4, data.length, true);
    this.frame.set(data, this.at + TASK_ENTRY_HEADER_BYTES);
    this.at += TASK_ENTRY_HEADER_BYTES + data.length;
    view.setUint32(0, ++this.count, true);
  }
}

/** Reads a task frame entry by entry (the worker may await between entries). */
export class TaskFrameReader {
  readonly count: number;
  slot = 0;
  data: Uint8Array = EMPTY;
  private readonly view: DataView;
  private at = FRAME_HEADER_BYTES;

  constructor(private readonly frame: Uint8Array) {
    this.view = new DataView(frame.buffer, frame.byteOffset, frame.byteLength);
    this.count = this.view.getUint32(0, true);
  }

  /** Moves to the next entry (call `count` times). */
  next(): void {
    const length = this.view.getUint32(this.at + 4, true);
    this.slot = this.view.getUint32(this.at, true);
    const from = this.at + TASK_ENTRY_HEADER_BYTES;
    this.data = new Uint8Array(this.frame.buffer, this.frame.byteOffset + from, length); // cheaper than subarray (no species lookup)
    this.at = from + length;
  }
}

/** The worker's result frame: one growing buffer, reused after each send (sendSync copies it). */
export class ResultFrameWriter {
  private buffer = new Uint8Array(64 * 1024);
  private view = new DataView(this.buffer.buffer);
  private at = FRAME_HEADER_BYTES;
  count = 0;

  get bytes(): number {
    return this.at;
  }

  static entryBytes(dataLength: number): number {
    return RESULT_ENTRY_HEADER_BYTES + dataLength;
  }

  add(slot: number, status: number, runMs: number, data: Uint8Array): void {
    const need = this.at + RESULT_ENTRY_HEADER_BYTES + data.length;
    if (need > this.buffer.length) this.grow(need);
    const view = this.view;
    view.setUint32(this.at, slot, true);
    view.setUint32(this.at + 4, status, true);
    view.setFloat32(this.at + 8, runMs, true);
    view.setUint32(this.at + 12, data.length, true);
    this.buffer.set(data, this.at + RESULT_ENTRY_HEADER_BYTES);
    this.at = need;
    this.count++;
  }

  /** The frame so far (a view valid until the next add or reset). */
  frame(): Uint8Array {
    this.view.setUint32(0, this.count, true);
    return this.buffer.subarray(0, this.at);
  }

  reset(): void {
    this.at = FRAME_HEADER_BYTES;
    this.count = 0;
  }

  private grow(need: number): void {
    let size = this.buffer.length * 2;
    while (size < need) size *= 2;
    const bigger = new Uint8Array(size);
    bigger.set(this.buffer.subarray(0, this.at));
    this.buffer = bigger;
    this.view = new DataView(bigger.buffer);
  }
}

/** Reads a result frame entry by entry. */
export class ResultFrameReader {
  readonly count: number;
  slot = 0;
  status = 0;
  runMs = 0;
  data: Uint8Array = EMPTY;
  private readonly view: DataView;
  private at = FRAME_HEADER_BYTES;

  constructor(private readonly frame: Uint8Array) {
    this.view = new DataView(frame.buffer, frame.byteOffset, frame.byteLength);
    this.count = this.view.getUint32(0, true);
  }

  next(): void {
    const view = this.view;
    const at = this.at;
    this.slot = view.getUint32(at, true);
    this.status = view.getUint32(at + 4, true);
    this.runMs = view.getFloat32(at + 8, true);
    const length = view.getUint32(at + 12, true);
    const from = at + RESULT_ENTRY_HEADER_BYTES;
    this.data = new Uint8Array(this.frame.buffer, this.frame.byteOffset + from, length);
    this.at = from + length;
  }
}

const EMPTY = new Uint8Array(0);
