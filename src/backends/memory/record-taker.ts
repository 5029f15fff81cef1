// Takes records out of a ring without a fresh ArrayBuffer per message: each record is copied into
// the current 64 KiB chunk and handed out as a view of it. Allocating a backing store costs more
// than the copy itself, so small messages share chunks (as Node's Buffer pool does); a chunk is
// freed by the garbage collector once no view of it is left. Large records get their own copy.
//
// Consequence for users: `delivery.data.buffer` is the shared chunk. Use `data` (byteOffset and
// byteLength), or `data.slice()` for a buffer of its own.
import type { Ring } from '../../../native-queue/index.js';
import { ChannelQueue, type QueueEntry, type QueueRing } from './channel-queue.js';

const CHUNK_BYTES = 64 * 1024;
const OWN_COPY_ABOVE = CHUNK_BYTES / 8;

export class RecordTaker {
  private chunk = new Uint8Array(CHUNK_BYTES);
  private used = 0;
  private single: Uint8Array | undefined;
  private batch: Uint8Array[] = [];
  // Bound once: drain() calls them per record without a closure allocated per call.
  private readonly keepOne = (view: Uint8Array) => {
    this.single = this.copy(view);
  };
  private readonly keepMany = (view: Uint8Array) => {
    this.batch.push(this.copy(view));
  };

  /**
   * One record, or undefined when the ring is empty now. A thread-local queue may give a
   * LocalMessage instead (a message never encoded).
   */
  takeOne(ring: Ring | QueueRing): QueueEntry | undefined {
    // A thread-local queue's records are already this thread's own: no copy.
    if (ring instanceof ChannelQueue && ring.isLocal) return ring.takeLocal();
    ring.drain(this.keepOne, 1);
    const record = this.single;
    this.single = undefined;
    return record;
  }

  /** Up to `max` records pushed onto `into` (the ring finishes them all at once); returns how many. */
  takeInto(ring: Ring | QueueRing, max: number, into: QueueEntry[]): number {
    if (ring instanceof ChannelQueue && ring.isLocal) return ring.takeLocalInto(into, max);
    this.batch = into as Uint8Array[]; // keepMany pushes onto it; replaced by the next call
    return ring.drain(this.keepMany, max);
  }

  private copy(view: Uint8Array): Uint8Array {
    const n = view.length; // byte count of a Uint8Array; byteLength is not inlined on Node 20
    if (n > OWN_COPY_ABOVE) return view.slice();
    if (this.used + n > CHUNK_BYTES) {
      this.chunk = new Uint8Array(CHUNK_BYTES);
      this.used = 0;
    }
    const at = this.used;
    this.chunk.set(view, at);
    this.used = (at + n + 7) & ~7; // 8-aligned, so a Float64Array over a payload stays possible
    return new Uint8Array(this.chunk.buffer, at, n); // cheaper than subarray (no species lookup)
  }
}
