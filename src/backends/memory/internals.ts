// The shared buffers behind an in-memory handle, for this package's own tests and tools only:
// InMemoryChannel exposes nothing internal, and this module is not part of the package's entry
// points. A test that needs to look underneath (a count in the control block, a ring's hooks)
// asks here.
import type { SharedChannel } from './shared-channel.js';

const sharedByHandle = new WeakMap<object, SharedChannel>();

export function registerInternals(handle: object, shared: SharedChannel): void {
  sharedByHandle.set(handle, shared);
}

/** The SharedChannel a handle uses (throws for anything that is not an in-memory handle). */
export function sharedChannelOf(handle: object): SharedChannel {
  const shared = sharedByHandle.get(handle);
  if (shared === undefined) throw new TypeError('not an InMemoryChannel handle');
  return shared;
}
