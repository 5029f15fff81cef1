// The in-memory channel's shared control block: one small SharedArrayBuffer that every handle of
// the channel, in every thread, reads and writes with Atomics. It holds what the ring itself does
// not know: the message count behind `capacity`, the closed flag of the channel as a whole, a
// doorbell for senders blocked on capacity, the lease log's indices and the subscriber slot table.
//
// Word layout (Int32). Words written often by different threads sit on separate 128-byte lines.
//   line 0: identity and rarely written state     line 1: queue count and the senders' doorbell
//   line 2: lease log                             line 3: subscriber table lock and count
//   then one 128-byte line per subscriber slot: state, members, name length, name bytes.
import { isMainThread } from 'node:worker_threads';
import { BELL_ARMED, BELL_COUNTER, armBell, sleepSync, wakeAll, wakeIfSleeping } from '../../../native-queue/index.js';

export const CONTROL_MAGIC = 0x4d454d43; // 'MEMC'
const LINE_WORDS = 32;
/** How long a spin lock may stay held before its holder is presumed dead (see lock()). */
const LOCK_TAKEOVER_MS = 2000;

export const W_MAGIC = 0;
export const W_CLOSED = 1;

export const W_QUEUED = LINE_WORDS; // messages in the queue ring (sent, not yet taken)
/**
 * The senders' doorbell: a native-queue bell (waiting.ts: word 0 raised by a sender about to park,
 * word 1 the counter it waits on). Every take bumps the counter, so a sender that saw the counter
 * before its failed attempt and parks on that value wakes for any take since (see armDoorbell).
 * The flag is cleared by the waker, not kept as a count by the sleepers: a sender terminated
 * while parked leaves at most one spare notify behind, not a notify on every take for ever.
 */
export const W_DOORBELL = LINE_WORDS + 2;
/** The doorbell's counter word (what a parked sender waits on). */
export const W_TAKE_SEQ = W_DOORBELL + BELL_COUNTER;
/** The doorbell's flag word. */
export const W_SENDER_ASLEEP = W_DOORBELL + BELL_ARMED;

export const W_LEASE_LOCK = 2 * LINE_WORDS;
export const W_LEASE_HEAD = 2 * LINE_WORDS + 1;
export const W_LEASE_TAIL = 2 * LINE_WORDS + 2;
export const W_LEASE_SEQ = 2 * LINE_WORDS + 3;
export const W_LEASE_LIVE = 2 * LINE_WORDS + 4;
/** Float64 index (not Int32) of the earliest lease deadline: a hint read without the lock. */
export const F_EARLIEST_DUE = (2 * LINE_WORDS + 8) / 2;

export const W_SLOT_LOCK = 3 * LINE_WORDS;
export const W_SLOTS_IN_USE = 3 * LINE_WORDS + 1;
const FIRST_SLOT_WORD = 4 * LINE_WORDS;

export const SLOT_FREE = 0;
export const SLOT_GROUP = 1;
export const SLOT_INBOX = 2;
const SLOT_STATE = 0;
const SLOT_MEMBERS = 1;
const SLOT_NAME_LENGTH = 2;
const SLOT_NAME_BYTE = 12; // byte offset of the name inside the slot line
/** Longest subscriber group name, in UTF-8 bytes. */
export const MAX_SLOT_NAME_BYTES = 4 * LINE_WORDS - SLOT_NAME_BYTE;

export function controlBytes(maxSubscribers: number): number {
  return (FIRST_SLOT_WORD + maxSubscribers * LINE_WORDS) * 4;
}

export class ControlBlock {
  readonly words: Int32Array;
  readonly floats: Float64Array;
  private readonly bytes: Uint8Array;

  constructor(readonly buffer: SharedArrayBuffer, readonly maxSubscribers: number) {
    this.words = new Int32Array(buffer);
    this.floats = new Float64Array(buffer);
    this.bytes = new Uint8Array(buffer);
  }

  static create(maxSubscribers: number): ControlBlock {
    const block = new ControlBlock(new SharedArrayBuffer(controlBytes(maxSubscribers)), maxSubscribers);
    block.words[W_MAGIC] = CONTROL_MAGIC;
    block.floats[F_EARLIEST_DUE] = Infinity;
    Atomics.store(block.words, W_LEASE_SEQ, 1);
    return block;
  }

  get closed(): boolean {
    return Atomics.load(this.words, W_CLOSED) !== 0;
  }

  /** Marks the channel closed; true for the caller that closed it first. */
  markClosed(): boolean {
    return Atomics.compareExchange(this.words, W_CLOSED, 0, 1) === 0;
  }

  // ---- message count and the sender doorbell ----------------------------------------------

  queued(): number {
    return Atomics.load(this.words, W_QUEUED);
  }

  /** Counts one message in, if `capacity` (0 = unbounded) leaves room; false when full. */
  tryReserve(capacity: number, n = 1): boolean {
    if (capacity === 0) {
      Atomics.add(this.words, W_QUEUED, n);
      return true;
    }
    for (;;) {
      const now = Atomics.load(this.words, W_QUEUED);
      if (now + n > capacity) return false;
      if (Atomics.compareExchange(this.words, W_QUEUED, now, now + n) === now) return true;
    }
  }

  /** Gives back reserved room that was not used (the ring itself was full). */
  unreserve(n = 1): void {
    Atomics.sub(this.words, W_QUEUED, n);
  }

  /** `n` messages left the queue: room for senders blocked on capacity. */
  taken(n = 1): void {
    Atomics.sub(this.words, W_QUEUED, n);
    this.rang();
  }

  /** One message left the queue, counted inside the ring's take (rang() follows after the take). */
  countOut(): void {
    Atomics.sub(this.words, W_QUEUED, 1);
  }

  /** A take from a subscriber ring: no count to change, but blocked senders may go on. */
  rang(): void {
    // Every take moves the counter (a sender parks on the value it read before its failed try, so
    // it wakes for this take even if it armed after it); the notify only when one may sleep.
    Atomics.add(this.words, W_TAKE_SEQ, 1);
    wakeIfSleeping(this.words, W_DOORBELL);
  }

  /** The doorbell's counter now: read it BEFORE trying to send, park on it after a failed try. */
  takeSeq(): number {
    return Atomics.load(this.words, W_TAKE_SEQ);
  }

  /** A blocked sender about to park (on the counter value it read before its failed try). */
  armDoorbell(): void {
    armBell(this.words, W_DOORBELL);
  }

  /** Counts in as many of `n` messages as `capacity` leaves room for (the batch path). */
  reserveUpTo(capacity: number, n: number): number {
    if (capacity === 0) {
      Atomics.add(this.words, W_QUEUED, n);
      return n;
    }
    for (;;) {
      const now = Atomics.load(this.words, W_QUEUED);
      const k = Math.max(0, Math.min(n, capacity - now));
      if (k === 0) return 0;
      if (Atomics.compareExchange(this.words, W_QUEUED, now, now + k) === now) return k;
    }
  }

  /** Wakes everyone parked on the doorbell (close). */
  wakeSenders(): void {
    wakeAll(this.words, W_DOORBELL);
  }

  // ---- a tiny spin lock for the lease log and the slot table ------------------------------
  // Critical sections are a few loads and stores plus at most one copy of a record, so a spin is
  // cheaper than parking (and the main thread may not park at all).

  lock(word: number): void {
    let spins = 0;
    let since = 0;
    while (Atomics.compareExchange(this.words, word, 0, 1) !== 0) {
      if (++spins % 1024 !== 0) continue;
      if (!isMainThread) sleepSync(1);
      // A worker terminated inside a critical section never unlocks. Sections last microseconds,
      // so a lock held for seconds has lost its holder: take it over rather than hang forever.
      const now = performance.now();
      if (since === 0) since = now;
      else if (now - since > LOCK_TAKEOVER_MS) return;
    }
  }

  unlock(word: number): void {
    Atomics.store(this.words, word, 0);
  }

  // ---- subscriber slots: each holds a group name (or a request inbox) and its member count --

  slotState(slot: number): number {
    return Atomics.load(this.words, FIRST_SLOT_WORD + slot * LINE_WORDS + SLOT_STATE);
  }

  slotsInUse(): number {
    return Atomics.load(this.words, W_SLOTS_IN_USE);
  }

  /**
   * Joins the slot holding `name` (same kind), or claims a free one. Returns the slot index and
   * whether it was claimed fresh, or -1 when every slot is taken.
   */
  joinSlot(kind: number, name: Uint8Array): { slot: number; fresh: boolean } | undefined {
    this.lock(W_SLOT_LOCK);
    try {
      let free = -1;
      for (let s = 0; s < this.maxSubscribers; s++) {
        const base = FIRST_SLOT_WORD + s * LINE_WORDS;
        const state = this.words[base + SLOT_STATE]!;
        if (state === SLOT_FREE) {
          if (free < 0) free = s;
        } else if (state === kind && this.slotNameEquals(s, name)) {
          this.words[base + SLOT_MEMBERS]!++;
          return { slot: s, fresh: false };
        }
      }
      if (free < 0) return undefined;
      const base = FIRST_SLOT_WORD + free * LINE_WORDS;
      this.words[base + SLOT_MEMBERS] = 1;
      this.words[base + SLOT_NAME_LENGTH] = name.byteLength;
      this.bytes.set(name, base * 4 + SLOT_NAME_BYTE);
      Atomics.store(this.words, base + SLOT_STATE, kind);
      Atomics.add(this.words, W_SLOTS_IN_USE, 1);
      return { slot: free, fresh: true };
    } finally {
      this.unlock(W_SLOT_LOCK);
    }
  }

  /** Leaves a slot; true when this was its last member (the caller then empties its ring). */
  leaveSlot(slot: number): boolean {
    this.lock(W_SLOT_LOCK);
    try {
      const base = FIRST_SLOT_WORD + slot * LINE_WORDS;
      if (this.words[base + SLOT_STATE] === SLOT_FREE) return false;
      if (--this.words[base + SLOT_MEMBERS]! > 0) return false;
      return true;
    } finally {
      this.unlock(W_SLOT_LOCK);
    }
  }

  /** Frees a slot whose last member left, once its ring has been emptied. */
  freeSlot(slot: number): void {
    this.lock(W_SLOT_LOCK);
    try {
      const base = FIRST_SLOT_WORD + slot * LINE_WORDS;
      // Someone may have joined while the ring was being emptied: then the slot stays.
      if (this.words[base + SLOT_MEMBERS]! > 0 || this.words[base + SLOT_STATE] === SLOT_FREE) return;
      Atomics.store(this.words, base + SLOT_STATE, SLOT_FREE);
      Atomics.sub(this.words, W_SLOTS_IN_USE, 1);
    } finally {
      this.unlock(W_SLOT_LOCK);
    }
  }

  /** A slot's name and member count as they are now (read without the lock: a report, not a decision). */
  slotInfo(slot: number): { state: number; name: string; members: number } {
    const base = FIRST_SLOT_WORD + slot * LINE_WORDS;
    const length = this.words[base + SLOT_NAME_LENGTH]!;
    const at = base * 4 + SLOT_NAME_BYTE;
    return {
      state: this.slotState(slot),
      name: new TextDecoder().decode(this.bytes.slice(at, at + Math.max(0, Math.min(length, MAX_SLOT_NAME_BYTES)))),
      members: this.words[base + SLOT_MEMBERS]!,
    };
  }

  /** Finds the slot holding `name` of `kind`, or -1. */
  findSlot(kind: number, name: Uint8Array): number {
    for (let s = 0; s < this.maxSubscribers; s++) {
      if (this.slotState(s) === kind && this.slotNameEquals(s, name)) return s;
    }
    return -1;
  }

  private slotNameEquals(slot: number, name: Uint8Array): boolean {
    const base = FIRST_SLOT_WORD + slot * LINE_WORDS;
    if (this.words[base + SLOT_NAME_LENGTH] !== name.byteLength) return false;
    const at = base * 4 + SLOT_NAME_BYTE;
    for (let i = 0; i < name.byteLength; i++) if (this.bytes[at + i] !== name[i]) return false;
    return true;
  }
}
