// What the Redis backend promises (README.md beside this file says why each answer is what it is).
import type { Capabilities } from '../../channel.js';
import { BACKPRESSURE_MODES } from '../../options.js';

/** Room for the envelope fields and headers beside the payload, in the size check. */
export const WIRE_OVERHEAD_BYTES = 1 << 20;

export function redisCapabilities(maxMessageBytes: number): Capabilities {
  return Object.freeze({
    // One consumer reads a stream in entry order; a nacked or reclaimed entry comes back later.
    ordering: 'fifo',
    // With the append-only file on (scripts/services and docker-compose turn it on).
    persistent: true,
    keepsForAbsentReceivers: true,
    consumerGroups: true,
    // A Redis consumer group keeps its position when its last member leaves.
    durableGroups: true,
    exactlyOnce: false,
    redelivery: true,
    // Entries left pending past claimIdleMs (default ackTimeoutMs) are claimed by a live consumer.
    ackDeadline: true,
    exactDeliveryCount: true,
    // A send retried after a lost reply, an ack lost with its connection: at-least-once repeats.
    mayDuplicate: true,
    holdsNextUntilAck: false,
    // Members of a group share its entries one by one (no partitions to own).
    sharesByPartition: false,
    deadLetter: true,
    crossesThreads: true,
    crossesProcesses: true,
    replaysHistory: false,
    // XINFO GROUPS, in the same script as the XADD.
    countsSubscribers: true,
    backpressure: BACKPRESSURE_MODES,
    requestReply: true,
    connection: true,
    maxMessageBytes,
  } satisfies Capabilities);
}
