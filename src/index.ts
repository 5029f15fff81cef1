// The package's main entry: the contract, its errors, openChannel and the in-memory backend.
// Broker backends get subpaths of their own (plexspaces-channel/redis, /kafka, /nats), added to
// package.json's exports with each backend, so that this entry never loads a broker client.
export type * from './channel.js';
export * from './errors.js';
export { openChannel } from './open.js';
export { parseChannelUrl, ACCEPTED_FORMS, type ChannelUrl, type BackendScheme } from './channel-url.js';
export { resolveOptions, DEFAULT_OPTIONS } from './options.js';
export { BaseChannel } from './base/base-channel.js';
export type { Transport, TransportContext, Route, Inbox, BackendTransaction } from './base/transport.js';
export { SENT, FULL_BYTES, FULL_COUNT, type SendTarget, type OfferOutcome } from './base/backpressure.js';
export { OutgoingEnvelope, RESERVED_HEADER_PREFIX, type MessageFields, type Outgoing } from './base/outgoing.js';
export { DEAD_LETTER_HEADERS } from './base/dead-letter.js';
export { RECEIVERS_GROUP, RESERVED_GROUP_PREFIX } from './base/subscription.js';
export { WIRE_HEADERS, toWireHeaders, fromWireHeaders, type WireEnvelope, type WireFallback } from './base/wire-headers.js';
export { SettleableDelivery, type SettlePort, type SettlementState } from './delivery.js';
export { newMessageId } from './ids.js';
export {
  InMemoryChannel,
  type InMemoryChannelOptions,
  type InMemoryChannelDescriptor,
  type MemoryBackendOptions,
} from './backends/memory/index.js';
