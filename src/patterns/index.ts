// plexspaces-channel/patterns: messaging patterns written over the Channel contract alone, so
// each works on every backend. See README.md.
export { WorkerQueue, type WorkHandler } from './worker-queue.js';
export type { ConsumerOptions, ConsumerStats } from './consumer-loop.js';
export { EventBus, EVENT_TYPE_HEADER, type BusEvent, type EventHandler, type HandlerOptions, type EmitOptions, type RemoveHandler } from './event-bus.js';
export { Requester, Responder, RemoteError, REPLY_ERROR_HEADERS, type RequestOptions, type RequesterStats, type RequestHandler } from './request-reply.js';
export { payloads } from './async-iteration.js';
export { channelReadable, channelWritable, type ChannelReadableOptions, type ChannelWritableOptions } from './node-streams.js';
export { channelReadableStream, channelWritableStream, type ChannelStreamOptions } from './web-streams.js';
export type { DeliverySource } from './delivery-source.js';
