// What the Kafka backend promises (src/channel.ts explains each field), and why.
import type { Capabilities } from '../../channel.js';

/** Largest payload: Kafka's default message.max.bytes is 1 MiB per record batch, envelope included. */
export const KAFKA_MAX_PAYLOAD_BYTES = 1_000_000;
/** Largest record with its headers and key (the broker's limit less the batch's own overhead). */
export const KAFKA_MAX_RECORD_BYTES = 1_040_000;

export const KAFKA_CAPABILITIES: Capabilities = Object.freeze({
  // One key's messages go to one partition, read in order by one member, one at a time under
  // `ordering: 'per-key'` (a key's next message waits while one is out or nacked and coming back).
  ordering: 'per-key',
  // A send resolves once the broker wrote it (acks 'all' by default).
  persistent: true,
  // The receivers' group starts from the beginning when it has no offsets: a work queue keeps
  // what was sent before its first receiver.
  keepsForAbsentReceivers: true,
  consumerGroups: true,
  // A group is its committed offsets: they outlive its members.
  durableGroups: true,
  // consume -> produce with sendOffsets in one Kafka transaction; readers are read-committed.
  exactlyOnce: true,
  // nack re-produces the message (same id, count + 1) to the topic, then settles the original.
  redelivery: true,
  // No per-message timer: an unsettled delivery comes back when its consumer leaves the group
  // (close, crash past sessionTimeoutMs, a rebalance that moves its partition).
  ackDeadline: false,
  // A record re-read after its consumer left carries the count it was written with.
  exactDeliveryCount: false,
  // A rebalance or a lost connection redelivers what was acked but not yet committed.
  mayDuplicate: true,
  // Group members are given whole partitions.
  sharesByPartition: true,
  holdsNextUntilAck: false,
  deadLetter: true,
  crossesThreads: true,
  crossesProcesses: true,
  // A new subscription group starts at the end of the topic.
  replaysHistory: false,
  // Who reads a topic is not known to a producer without asking the broker for every group.
  countsSubscribers: false,
  // `capacity` is counted as the receivers' group lag (end offset - committed offset); nothing
  // can be evicted from a Kafka log, so no 'drop-oldest'.
  backpressure: Object.freeze(['block', 'drop-newest', 'error'] as const),
  requestReply: true,
  connection: true,
  maxMessageBytes: KAFKA_MAX_PAYLOAD_BYTES,
});
