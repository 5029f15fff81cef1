// The conformance suite against the in-memory backend.
import { InMemoryChannel } from '../../src/backends/memory/index.js';
import type { Channel } from '../../src/channel.js';
import { uniqueName, type BackendUnderTest } from './backend.js';
import { defineConformanceSuite } from './suite.js';

/** The in-memory factory as agreed: another handle is an attach to the same shared ring. */
function attach(channel: Channel): InMemoryChannel {
  if (!(channel instanceof InMemoryChannel)) throw new Error('the memory factory was handed a channel of another backend');
  return InMemoryChannel.attach(channel.describe());
}

/** The smallest power of two at least `n`. */
const powerOfTwoAtLeast = (n: number): number => 2 ** Math.ceil(Math.log2(Math.max(n, 256)));

const probe = new InMemoryChannel({ name: uniqueName('memory-probe') });
const capabilities = probe.capabilities;
await probe.close();

const memory: BackendUnderTest = {
  name: 'memory',
  capabilities,
  open: async (options = {}, backendOptions = {}) => new InMemoryChannel({ ...backendOptions, ...options, name: uniqueName('memory') }),
  openAnother: async (channel) => attach(channel),
  openNamed: async (name, options = {}) => new InMemoryChannel({ ...options, name }),
  closeScope: 'channel',
  url: (name) => `memory:${name}`,
  // A record in the ring costs its payload plus an envelope; eight times the payload leaves room
  // for the payload, its lease and a message before it.
  roomFor: (payloadBytes) => ({ capacityBytes: powerOfTwoAtLeast(8 * payloadBytes) }),
};

defineConformanceSuite(memory).run();
