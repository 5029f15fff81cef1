// The package's main entry: the contract, its errors, openChannel and the in-memory backend.
// Broker backends get subpaths of their own (plexspaces-channel/redis, /kafka, /nats), added to
// package.json's exports with each backend, so that this entry never loads a broker client.
export type * from './channel.js';
export * from './errors.js';
export { openChannel } from './open.js';
export { parseChannelUrl, ACCEPTED_FORMS, type ChannelUrl, type BackendScheme } from './channel-url.js';
export { resolveOptions, DEFAULT_OPTIONS } from './options.js';
export { BaseChannel } from './base-channel.js';
export { DEAD_LETTER_HEADERS } from './delivery.js';
export { newMessageId } from './ids.js';
export {
  InMemoryChannel,
  type InMemoryChannelOptions,
  type InMemoryChannelDescriptor,
  type MemoryBackendOptions,
} from './backends/memory/index.js';
