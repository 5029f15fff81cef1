// Hands out Uint8Array views of ring memory without allocating one per message.
//
// A typed-array view cannot be re-pointed, so a view per (offset, length) is unavoidable the first
// time; after that the same view object is handed out again. With same-size messages the records
// start at the same offsets every lap (a wrap always restarts at offset 0), so in steady state
// every lookup hits and the drain/view paths allocate nothing. The cache is direct-mapped and
// bounded (at most MAX_SLOTS views per handle), and created on first use only.
const MAX_SLOTS = 1 << 16;

export class ViewCache {
  private readonly buffer: SharedArrayBuffer;
  private readonly mask: number;
  private readonly views: (Uint8Array | undefined)[];
  private readonly offsets: Int32Array;
  private readonly lengths: Int32Array;

  /** `regionBytes`: size of the memory the views point into (sets the number of slots). */
  constructor(buffer: SharedArrayBuffer, regionBytes: number) {
    let slots = 1;
    while (slots < regionBytes / 4 && slots < MAX_SLOTS) slots *= 2;
    this.buffer = buffer;
    this.mask = slots - 1;
    this.views = new Array<Uint8Array | undefined>(slots).fill(undefined);
    this.offsets = new Int32Array(slots).fill(-1);
    this.lengths = new Int32Array(slots);
  }

  /** A view of `length` bytes at `byteOffset` of the buffer (the same object as last time if it matches). */
  view(byteOffset: number, length: number): Uint8Array {
    const slot = (byteOffset >>> 2) & this.mask;
    const cached = this.views[slot];
    if (cached !== undefined && this.offsets[slot] === byteOffset && this.lengths[slot] === length) return cached;
    const fresh = new Uint8Array(this.buffer, byteOffset, length);
    this.views[slot] = fresh;
    this.offsets[slot] = byteOffset;
    this.lengths[slot] = length;
    return fresh;
  }
}
