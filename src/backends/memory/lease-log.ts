// Leases: a copy of every unsettled delivery, kept in shared memory so that no thread's death can
// lose a message. A delivery handed to a receiver is leased with a deadline (now + ackTimeoutMs);
// ack frees the lease; a nack with a delay turns it into a waiting lease (due at now + delay).
// Any receiver of the channel, in any thread, takes a lease that is due and delivers it again — so
// a worker terminated while holding deliveries loses nothing: its leases come due and another
// receiver picks them up.
//
// Storage is a circular log in its own SharedArrayBuffer. Records are appended at `head` and
// reclaimed at `tail` once freed; a record that is still live near the tail holds back reclaiming
// what follows it, until it is acked or comes due and is taken (deadlines bound that wait).
//
// Record (32-byte aligned; a 32-byte header, then the envelope):
//   i32 stamp     0 = free; otherwise a number unique to this lease. Settling is a compareExchange
//                 on it, so exactly one of "acked by its holder" and "taken as due" wins.
//   i32 state     HELD (out with a receiver) | WAITING (nacked, for redelivery) | FILLER (skip to end)
//   i32 record bytes, i32 envelope bytes, i32 place (the leaseCode of a MemorySource, memory-places.ts)
//   f64 (byte 24) deadline, epoch ms
import {
  F_EARLIEST_DUE,
  W_LEASE_HEAD,
  W_LEASE_LIVE,
  W_LEASE_LOCK,
  W_LEASE_SEQ,
  W_LEASE_TAIL,
  type ControlBlock,
} from './control-block.js';

export const LEASE_HELD = 1;
export const LEASE_WAITING = 2;
const LEASE_FILLER = 3;

const HEADER_BYTES = 32;
const ALIGN = 32;
const R_STAMP = 0;
const R_STATE = 1;
const R_RECORD_BYTES = 2;
const R_ENVELOPE_BYTES = 3;
const R_TARGET = 4;
const R_DEADLINE_F64 = 3; // Float64 index inside the record header (byte 24)

/** A lease someone holds: where it is and the stamp that proves it is still theirs. */
export interface LeaseRef {
  offset: number;
  stamp: number;
}

/** A due lease taken by a receiver: re-leased to the taker (HELD), with a copy of its envelope. */
export interface TakenLease extends LeaseRef {
  envelope: Uint8Array;
  /** The state it was in: HELD means its holder missed the ack deadline; WAITING means nacked. */
  previousState: number;
}

export function leaseRecordBytes(envelopeBytes: number): number {
  return Math.ceil((HEADER_BYTES + envelopeBytes) / ALIGN) * ALIGN;
}

export class LeaseLog {
  private readonly words: Int32Array;
  private readonly floats: Float64Array;
  private readonly bytes: Uint8Array;
  private readonly mask: number;

  constructor(readonly buffer: SharedArrayBuffer, private readonly control: ControlBlock) {
    this.words = new Int32Array(buffer);
    this.floats = new Float64Array(buffer);
    this.bytes = new Uint8Array(buffer);
    this.mask = buffer.byteLength - 1;
  }

  get size(): number {
    return this.buffer.byteLength;
  }

  /** Leases held or waiting, over the whole channel. */
  live(): number {
    return Atomics.load(this.control.words, W_LEASE_LIVE);
  }

  /**
   * live() without the atomic load (which costs as much as the rest of a receive's bookkeeping):
   * exact only while no other thread can hold the buffers, i.e. the channel is still thread-local
   * (channel-queue.ts). Anywhere else use live().
   */
  liveInOwnThread(): number {
    return this.control.words[W_LEASE_LIVE]!;
  }

  /** Hint, read without the lock: the earliest deadline of any live lease (Infinity if none). */
  earliestDue(): number {
    return this.control.floats[F_EARLIEST_DUE]!;
  }

  /**
   * Stores a copy of `envelope`. Returns the lease, or undefined when the log has no room (the
   * caller then falls back to keeping the message itself).
   */
  add(envelope: Uint8Array, state: number, place: number, deadline: number): LeaseRef | undefined {
    const need = leaseRecordBytes(envelope.byteLength);
    if (need > this.size) return undefined;
    const c = this.control;
    c.lock(W_LEASE_LOCK);
    try {
      this.reclaim();
      const head = c.words[W_LEASE_HEAD]! >>> 0;
      const tail = c.words[W_LEASE_TAIL]! >>> 0;
      const used = (head - tail) >>> 0;
      const at = head & this.mask;
      const filler = at + need > this.size ? this.size - at : 0;
      if (used + filler + need > this.size) return undefined;
      let offset = at;
      if (filler > 0) {
        const w = at >> 2;
        this.words[w + R_STAMP] = 0;
        this.words[w + R_STATE] = LEASE_FILLER;
        this.words[w + R_RECORD_BYTES] = filler;
        offset = 0;
      }
      const w = offset >> 2;
      const stamp = this.nextStamp();
      this.words[w + R_STATE] = state;
      this.words[w + R_RECORD_BYTES] = need;
      this.words[w + R_ENVELOPE_BYTES] = envelope.byteLength;
      this.words[w + R_TARGET] = place;
      this.floats[(offset >> 3) + R_DEADLINE_F64] = deadline;
      this.bytes.set(envelope, offset + HEADER_BYTES);
      Atomics.store(this.words, w + R_STAMP, stamp);
      c.words[W_LEASE_HEAD] = (head + filler + need) | 0;
      Atomics.add(c.words, W_LEASE_LIVE, 1);
      if (deadline < c.floats[F_EARLIEST_DUE]!) c.floats[F_EARLIEST_DUE] = deadline;
      return { offset, stamp };
    } finally {
      c.unlock(W_LEASE_LOCK);
    }
  }

  /** Frees a lease if it is still this holder's; false when it came due and was taken. */
  release(lease: LeaseRef): boolean {
    const won = Atomics.compareExchange(this.words, (lease.offset >> 2) + R_STAMP, lease.stamp, 0) === lease.stamp;
    if (won) Atomics.sub(this.control.words, W_LEASE_LIVE, 1);
    return won;
  }

  /** True while the lease is still this holder's (not freed, not taken as due). */
  isHeld(lease: LeaseRef): boolean {
    return Atomics.load(this.words, (lease.offset >> 2) + R_STAMP) === lease.stamp;
  }

  /** Rewrites the delivery count inside a lease this holder owns (redelivery of a taken lease). */
  patchEnvelope(lease: LeaseRef, at: number, patch: Uint8Array): void {
    this.bytes.set(patch, lease.offset + HEADER_BYTES + at);
  }

  /**
   * Takes the first lease for `place` whose deadline has passed: it stays in the log, re-stamped
   * as HELD by the taker until `deadline`, and a copy of its envelope is returned.
   */
  takeDue(place: number, now: number, deadline: number): TakenLease | undefined {
    if (!(this.earliestDue() <= now)) return undefined;
    const c = this.control;
    c.lock(W_LEASE_LOCK);
    try {
      let earliest = Infinity;
      let taken: TakenLease | undefined;
      const head = c.words[W_LEASE_HEAD]! >>> 0;
      for (let pos = c.words[W_LEASE_TAIL]! >>> 0; pos !== head; ) {
        const offset = pos & this.mask;
        const w = offset >> 2;
        const recordBytes = this.words[w + R_RECORD_BYTES]!;
        const stamp = Atomics.load(this.words, w + R_STAMP);
        const state = this.words[w + R_STATE]!;
        if (stamp !== 0 && state !== LEASE_FILLER) {
          const f = (offset >> 3) + R_DEADLINE_F64;
          const due = this.floats[f]!;
          if (!taken && due <= now && this.words[w + R_TARGET] === place) {
            const fresh = this.nextStamp();
            // The holder may be acking this very lease right now: whoever swaps the stamp first wins.
            if (Atomics.compareExchange(this.words, w + R_STAMP, stamp, fresh) === stamp) {
              this.words[w + R_STATE] = LEASE_HELD;
              this.floats[f] = deadline;
              const length = this.words[w + R_ENVELOPE_BYTES]!;
              const envelope = this.bytes.slice(offset + HEADER_BYTES, offset + HEADER_BYTES + length);
              taken = { offset, stamp: fresh, envelope, previousState: state };
              if (deadline < earliest) earliest = deadline;
            }
          } else if (due < earliest) {
            earliest = due;
          }
        }
        pos = (pos + recordBytes) >>> 0;
      }
      c.floats[F_EARLIEST_DUE] = earliest;
      return taken;
    } finally {
      c.unlock(W_LEASE_LOCK);
    }
  }

  /** True while some nacked message of `place` waits for its redelivery time (close drains those too). */
  hasWaiting(place: number): boolean {
    if (this.live() === 0) return false;
    const c = this.control;
    c.lock(W_LEASE_LOCK);
    try {
      const head = c.words[W_LEASE_HEAD]! >>> 0;
      for (let pos = c.words[W_LEASE_TAIL]! >>> 0; pos !== head; ) {
        const w = (pos & this.mask) >> 2;
        if (Atomics.load(this.words, w + R_STAMP) !== 0 && this.words[w + R_STATE] === LEASE_WAITING && this.words[w + R_TARGET] === place) return true;
        pos = (pos + this.words[w + R_RECORD_BYTES]!) >>> 0;
      }
      return false;
    } finally {
      c.unlock(W_LEASE_LOCK);
    }
  }

  /** Makes every lease in `leases` due now (their holder is going away). */
  expireNow(leases: Iterable<LeaseRef>): void {
    const c = this.control;
    c.lock(W_LEASE_LOCK);
    try {
      for (const lease of leases) {
        if (Atomics.load(this.words, (lease.offset >> 2) + R_STAMP) !== lease.stamp) continue;
        this.floats[(lease.offset >> 3) + R_DEADLINE_F64] = 0;
        c.floats[F_EARLIEST_DUE] = 0;
      }
    } finally {
      c.unlock(W_LEASE_LOCK);
    }
  }

  /** Moves the tail past freed records and fillers. Caller holds the lock. */
  private reclaim(): void {
    const c = this.control;
    const head = c.words[W_LEASE_HEAD]! >>> 0;
    let tail = c.words[W_LEASE_TAIL]! >>> 0;
    while (tail !== head) {
      const w = (tail & this.mask) >> 2;
      if (Atomics.load(this.words, w + R_STAMP) !== 0) break;
      tail = (tail + this.words[w + R_RECORD_BYTES]!) >>> 0;
    }
    c.words[W_LEASE_TAIL] = tail | 0;
    if (tail === head) c.floats[F_EARLIEST_DUE] = Infinity;
  }

  private nextStamp(): number {
    let stamp = Atomics.add(this.control.words, W_LEASE_SEQ, 1) & 0x7fffffff;
    if (stamp === 0) stamp = Atomics.add(this.control.words, W_LEASE_SEQ, 1) & 0x7fffffff;
    return stamp;
  }
}
