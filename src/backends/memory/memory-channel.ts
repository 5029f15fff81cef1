// InMemoryChannel: the Channel contract over native-queue's MPMC rings, shared by the worker
// threads of one process. The class is a facade: the whole contract comes from the shared
// template (src/base/base-channel.ts), the primitives from MemoryTransport, and this file adds
// only what is the in-memory backend's own — carrying a channel to another thread
// (describe()/attach()) and the blocking calls worker threads may use.
import { isMainThread } from 'node:worker_threads';
import type { ChannelOptions, Delivery, SendOptions } from '../../channel.js';
import { BaseChannel } from '../../base/base-channel.js';
import { InvalidConfigurationError } from '../../errors.js';
import { resolveOptions, type ResolvedOptions } from '../../options.js';
import { registerInternals } from './internals.js';
import type { MemorySource, MemoryTarget } from './memory-places.js';
import { MemoryTransport, type MemoryDeliveryObject, type MemoryRaw } from './memory-transport.js';
import {
  BACKEND_KEYS,
  resolveBackendOptions,
  SharedChannel,
  uniqueChannelName,
  type InMemoryChannelDescriptor,
  type MemoryBackendOptions,
} from './shared-channel.js';

export interface InMemoryChannelOptions extends Partial<ChannelOptions>, MemoryBackendOptions {}

/** Carries attach()'s channel into the constructor. Never exported: only attach() can make one. */
class Joining {
  constructor(readonly shared: SharedChannel) {}
}

export class InMemoryChannel extends BaseChannel<MemoryRaw, MemorySource, MemoryTarget, MemoryDeliveryObject> {
  readonly #transport: MemoryTransport;

  /**
   * A handle on the channel named in `options` in this thread (made if new), or on a new channel
   * with a unique name. (The second parameter is attach()'s; anything else passed there is ignored.)
   */
  constructor(options: InMemoryChannelOptions = {}, joining?: unknown) {
    const { resolved, transport } = openInThisThread(options, joining instanceof Joining ? joining.shared : undefined);
    super(resolved, transport);
    this.#transport = transport;
    registerInternals(this, transport.shared);
  }

  /** Another handle on the channel `descriptor` describes, in this thread or another one. */
  static attach(descriptor: InMemoryChannelDescriptor): InMemoryChannel {
    return new InMemoryChannel({}, new Joining(SharedChannel.fromDescriptor(descriptor)));
  }

  /** Plain data for postMessage: the receiving thread calls InMemoryChannel.attach() with it. */
  describe(): InMemoryChannelDescriptor {
    return this.#transport.shared.shareAcrossThreads();
  }

  /** Worker threads only: sends, blocking this thread while the channel is full (`block` mode). */
  sendSync(data: Uint8Array, options?: SendOptions): string {
    this.#checkNotMainThread('sendSync', 'send');
    return this.sendBlocking(data, options);
  }

  /** Worker threads only: the next message's bytes, acknowledged on hand-over. */
  receiveSync(options: { timeoutMs?: number } = {}): Uint8Array {
    this.#checkNotMainThread('receiveSync', 'receive');
    return this.receivePayloadBlocking(options.timeoutMs);
  }

  /** Worker threads only: the next message as a Delivery, blocking this thread until one comes. */
  receiveDeliverySync(options: { timeoutMs?: number } = {}): Delivery {
    this.#checkNotMainThread('receiveDeliverySync', 'receiveDelivery');
    return this.receiveBlocking(options.timeoutMs);
  }

  #checkNotMainThread(call: string, instead: string): void {
    if (isMainThread) {
      throw new InvalidConfigurationError(`${call} blocks its thread, and the main thread must never block; use ${instead}() (a promise) there`, { channel: this.name });
    }
  }
}

/**
 * Finds or makes the channel a handle opens: attach()'s, the live one of that name in this
 * thread (whose structural options must agree), or a new one.
 */
function openInThisThread(options: InMemoryChannelOptions, joining: SharedChannel | undefined): { resolved: ResolvedOptions; transport: MemoryTransport } {
  const given = stripUndefined(options);
  const name = joining?.name ?? given.name ?? uniqueChannelName();
  const existing = joining ?? (given.name !== undefined ? SharedChannel.named(name) : undefined);
  if (existing && !joining) existing.checkSameShape(given);
  const resolved = resolveOptions({ ...existing?.options, ...given, name }, BACKEND_KEYS);
  let shared = existing;
  if (shared === undefined) {
    const own = resolveBackendOptions(given);
    shared = SharedChannel.create({ ...resolved, ...own }, resolved.deadLetter === false ? undefined : namedInThisThread(resolved.deadLetter));
    SharedChannel.register(shared);
  }
  const sibling = shared;
  // Structural options are the channel's; the rest (delivery, deadlines, retries…) this handle's.
  const transport = new MemoryTransport(shared, { ...shared.options, ...resolved }, (siblingName) => {
    // The dead-letter channel travels inside the descriptor, so an attached handle in a worker
    // reaches the one its creator named; any other name is found (or made) in this thread.
    const known = sibling.deadLetter;
    const target = known !== undefined && known.name === siblingName && !known.closed ? known : namedInThisThread(siblingName);
    return InMemoryChannel.attach(target.descriptor);
  });
  return { resolved, transport };
}

/** The live channel of that name in this thread, made with default options if there is none. */
function namedInThisThread(name: string): SharedChannel {
  const known = SharedChannel.named(name);
  if (known) return known;
  const resolved = resolveOptions({ name }, BACKEND_KEYS);
  const shared = SharedChannel.create({ ...resolved, ...resolveBackendOptions({}) }, undefined);
  SharedChannel.register(shared);
  return shared;
}

function stripUndefined(options: InMemoryChannelOptions): InMemoryChannelOptions {
  if (options === null || typeof options !== 'object') {
    throw new InvalidConfigurationError('InMemoryChannel options must be an object, e.g. { name: "jobs", capacity: 1000 }');
  }
  return Object.fromEntries(Object.entries(options).filter(([, v]) => v !== undefined)) as InMemoryChannelOptions;
}
