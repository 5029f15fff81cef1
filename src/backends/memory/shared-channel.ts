// One in-memory channel as seen from one thread: its shared buffers (control block, lease log,
// queue ring, subscriber rings) wrapped in this thread's views, plus the per-thread registry that
// finds a channel by name. Every InMemoryChannel handle of a channel in a thread uses the same
// SharedChannel; other threads build their own from the channel's descriptor.
import { MpmcRing, attachRing, createRing, type Ring, type RingDescriptor } from '../../../native-queue/index.js';
import { ENVELOPE_TAG, ENVELOPE_TAKEN } from './envelope.js';
import { ChannelQueue } from './channel-queue.js';
import { BackendError, InvalidConfigurationError } from '../../errors.js';
import { randomToken } from '../../ids.js';
import type { ResolvedOptions } from '../../options.js';
import { CONTROL_MAGIC, ControlBlock } from './control-block.js';
import { LeaseLog } from './lease-log.js';
import { RecordTaker } from './record-taker.js';

/** Options only the in-memory backend has. */
export interface MemoryBackendOptions {
  /** Bytes of the shared ring behind the receivers' queue (a power of two). Default 1 MiB. */
  capacityBytes?: number;
  /** Subscriber slots: subscription groups plus requests awaiting a reply, at once. Default 16. */
  maxSubscribers?: number;
  /** Bytes of each subscriber slot's ring (a power of two). Default 64 KiB. */
  subscriberCapacityBytes?: number;
  /** Bytes of the shared lease log holding unsettled deliveries (a power of two). Default: capacityBytes. */
  leaseBytes?: number;
}

export const BACKEND_KEYS = ['capacityBytes', 'maxSubscribers', 'subscriberCapacityBytes', 'leaseBytes'] as const;
export type ResolvedMemoryOptions = ResolvedOptions & Required<MemoryBackendOptions>;

/**
 * Plain data that `postMessage` carries to another thread, where `InMemoryChannel.attach` turns it
 * back into a handle on the same channel. The dead-letter channel travels inside it.
 */
export interface InMemoryChannelDescriptor {
  readonly type: 'plexspaces-channel/memory';
  readonly version: 1;
  readonly options: ResolvedMemoryOptions;
  readonly control: SharedArrayBuffer;
  readonly leases: SharedArrayBuffer;
  readonly queue: RingDescriptor;
  readonly subscribers: readonly RingDescriptor[];
  readonly deadLetter: InMemoryChannelDescriptor | undefined;
}

/** Options that shape the shared buffers: every handle of a channel must agree on them. */
const STRUCTURAL_KEYS = ['capacity', 'capacityBytes', 'maxSubscribers', 'subscriberCapacityBytes', 'leaseBytes'] as const;

export class SharedChannel {
  readonly name: string;
  readonly control: ControlBlock;
  readonly leases: LeaseLog;
  /** The queue: thread-local until the channel is described, then the shared ring (channel-queue.ts). */
  readonly queue: ChannelQueue;
  readonly subscriberRings: readonly Ring[];
  deadLetter: SharedChannel | undefined;
  /** This thread's way of copying records out of the rings (see record-taker.ts). */
  readonly taker = new RecordTaker();
  /** Told when a ring hook of this channel threw (each handle of this thread listens while open). */
  private readonly hookErrorListeners = new Set<(error: Error) => void>();

  /**
   * `descriptor` is this thread's own reference: handing it to another thread must go through
   * shareAcrossThreads(), which first moves a thread-local queue into the shared ring.
   * `created`: this thread made the channel, and nobody else has its buffers yet.
   */
  private constructor(
    readonly descriptor: InMemoryChannelDescriptor,
    created: boolean,
  ) {
    const o = descriptor.options;
    this.name = o.name;
    this.control = new ControlBlock(descriptor.control, o.maxSubscribers);
    this.leases = new LeaseLog(descriptor.leases, this.control);
    const queueRing = attachRing(descriptor.queue);
    if (queueRing instanceof MpmcRing) {
      // A sender killed mid-send leaves a claim the ring skips after abandonAfterMs. Senders
      // claim ring space first, then count the message against `capacity`, then at once write
      // the envelope's tag byte: a skipped claim with the tag was counted, so whichever handle
      // skips it gives the count back (else a dead sender would hold one unit of capacity forever).
      const control = this.control;
      queueRing.onAbandonedClaim = (payload) => {
        if (payload.length > 0 && payload[0] === ENVELOPE_TAG) control.taken();
      };
      // Likewise on the way out: a message leaves the count when a receiver takes its record,
      // inside the ring's take, before the record is marked taken, and the receiver says so in
      // the record with no call in between. A receiver killed before the mark leaves a record
      // that is adopted — counted out already if it says so. (Counting after the take lost one
      // unit of capacity for good per receiver killed in between.) Takers ring senders after.
      queueRing.onTake = (record) => {
        if (record[0] !== ENVELOPE_TAG) return;
        control.countOut();
        // kill-window: countOut's Atomics.sub (its last stop point) → the 'taken' mark
        record[0] = ENVELOPE_TAKEN;
        // kill-window end
      };
    }
    this.queue = new ChannelQueue(queueRing, created);
    this.subscriberRings = descriptor.subscribers.map((d) => attachRing(d));
    for (const ring of [queueRing, ...this.subscriberRings]) {
      if (ring instanceof MpmcRing) ring.onHookError = (error, hook) => this.hookFailed(error, hook);
    }
  }

  /** Listens for ring hooks that threw (a bug in this backend: reported, never swallowed). */
  onHookError(listener: (error: Error) => void): () => void {
    this.hookErrorListeners.add(listener);
    return () => void this.hookErrorListeners.delete(listener);
  }

  private hookFailed(error: unknown, hook: string): void {
    const reported = new BackendError(`the ring's ${hook} hook threw (${String((error as Error)?.message ?? error)}); the ring went on, but this is a bug in plexspaces-channel: please report it`, {
      channel: this.name,
      cause: error,
    });
    for (const listener of this.hookErrorListeners) listener(reported);
  }

  get options(): ResolvedMemoryOptions {
    return this.descriptor.options;
  }

  get closed(): boolean {
    return this.control.closed;
  }

  /**
   * The descriptor, for another thread: the queue (and the dead-letter channel's, which travels
   * inside it) leaves its thread-local mode first, so the other thread sees every message.
   */
  shareAcrossThreads(): InMemoryChannelDescriptor {
    this.queue.goShared();
    this.deadLetter?.shareAcrossThreads();
    return this.descriptor;
  }

  static create(options: ResolvedMemoryOptions, deadLetter: SharedChannel | undefined): SharedChannel {
    const control = ControlBlock.create(options.maxSubscribers);
    const queue = createRing('mpmc', { capacityBytes: options.capacityBytes });
    const subscribers = Array.from({ length: options.maxSubscribers }, () =>
      createRing('mpmc', { capacityBytes: options.subscriberCapacityBytes }).describe(),
    );
    const shared = new SharedChannel({
      type: 'plexspaces-channel/memory',
      version: 1,
      options,
      control: control.buffer,
      leases: new SharedArrayBuffer(options.leaseBytes),
      queue: queue.describe(),
      subscribers,
      deadLetter: deadLetter?.descriptor,
    }, true);
    shared.deadLetter = deadLetter;
    return shared;
  }

  /** This thread's SharedChannel for a descriptor (one per channel per thread). */
  static fromDescriptor(descriptor: InMemoryChannelDescriptor): SharedChannel {
    checkDescriptor(descriptor);
    const known = registry.get(descriptor.options.name);
    if (known && known.descriptor.control === descriptor.control) return known;
    const shared = new SharedChannel(descriptor, false);
    if (descriptor.deadLetter) shared.deadLetter = SharedChannel.fromDescriptor(descriptor.deadLetter);
    // A name already used by another live channel in this thread keeps pointing at that one.
    if (!known || known.closed) registry.set(shared.name, shared);
    return shared;
  }

  /** The live channel of that name in this thread, if any. */
  static named(name: string): SharedChannel | undefined {
    const shared = registry.get(name);
    if (shared && shared.closed) {
      registry.delete(name);
      return undefined;
    }
    return shared;
  }

  static register(shared: SharedChannel): void {
    registry.set(shared.name, shared);
  }

  forget(): void {
    if (registry.get(this.name) === this) registry.delete(this.name);
  }

  /** Rejects options that would disagree with the buffers this channel already has. */
  checkSameShape(given: Partial<ResolvedMemoryOptions>): void {
    for (const key of STRUCTURAL_KEYS) {
      const value = given[key];
      if (value !== undefined && value !== this.options[key]) {
        throw new InvalidConfigurationError(
          `channel '${this.name}' already exists in this thread with ${key} ${this.options[key]}, not ${value}; omit ${key} to open another handle on it, or use another name`,
          { channel: this.name },
        );
      }
    }
  }
}

const registry = new Map<string, SharedChannel>();

/** A name for a channel opened without one. */
export function uniqueChannelName(): string {
  return `memory-${randomToken(12).toLowerCase()}`;
}

function checkDescriptor(d: InMemoryChannelDescriptor): void {
  const ok =
    d !== null &&
    typeof d === 'object' &&
    d.type === 'plexspaces-channel/memory' &&
    d.version === 1 &&
    d.control instanceof SharedArrayBuffer &&
    d.leases instanceof SharedArrayBuffer &&
    new Int32Array(d.control)[0] === CONTROL_MAGIC &&
    Array.isArray(d.subscribers);
  if (!ok) {
    throw new InvalidConfigurationError(
      'InMemoryChannel.attach needs the object returned by channel.describe() (sent with postMessage), not anything else',
    );
  }
}

/** Checks the backend's own options and fills in their defaults. */
export function resolveBackendOptions(given: MemoryBackendOptions): Required<MemoryBackendOptions> {
  const capacityBytes = given.capacityBytes ?? 1 << 20;
  const out = {
    capacityBytes,
    maxSubscribers: given.maxSubscribers ?? 16,
    subscriberCapacityBytes: given.subscriberCapacityBytes ?? 64 * 1024,
    leaseBytes: given.leaseBytes ?? Math.max(capacityBytes, 64 * 1024),
  };
  if (!Number.isInteger(out.maxSubscribers) || out.maxSubscribers < 0 || out.maxSubscribers > 1024) {
    throw new InvalidConfigurationError(`option maxSubscribers is ${String(out.maxSubscribers)}; use a whole number from 0 to 1024`);
  }
  for (const key of ['capacityBytes', 'subscriberCapacityBytes', 'leaseBytes'] as const) {
    const v = out[key];
    if (typeof v !== 'number' || !Number.isInteger(v) || v < 256 || v > 1 << 30 || (v & (v - 1)) !== 0) {
      throw new InvalidConfigurationError(`option ${key} is ${String(v)}; use a power of two from 256 to 2^30, such as ${nextPowerOfTwo(v)}`);
    }
  }
  return out;
}

function nextPowerOfTwo(n: unknown): number {
  const v = typeof n === 'number' && Number.isFinite(n) ? n : 1 << 20;
  return 2 ** Math.min(30, Math.ceil(Math.log2(Math.max(v, 256))));
}
