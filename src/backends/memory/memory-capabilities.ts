// What the in-memory backend promises, worked out from its rings' sizes.
import type { Capabilities } from '../../channel.js';
import { BACKPRESSURE_MODES } from '../../options.js';
import { leaseRecordBytes } from './lease-log.js';

/** Envelope bytes of a message with no optional fields: the fixed part plus a 26-character id. */
export const BARE_ENVELOPE_BYTES = 16 + 26;

export function memoryCapabilities(ringMaxMessageBytes: number, leaseBytes: number): Capabilities {
  // A lease must fit in the log even when the log's head sits mid-buffer (the skipped tail can
  // cost up to one record), hence half the log.
  const leaseMax = leaseBytes / 2 - leaseRecordBytes(0);
  return Object.freeze({
    // One receiver sees send order; a redelivered message comes back when it is due, out of order.
    ordering: 'fifo',
    persistent: false,
    // A message sent before any receiver exists waits in the receivers' queue.
    keepsForAbsentReceivers: true,
    consumerGroups: true,
    // A group's slot is freed (its ring emptied) when its last member leaves.
    durableGroups: false,
    exactlyOnce: false,
    redelivery: true,
    ackDeadline: true,
    // Every redelivery (nack, missed deadline, a dead receiver's lease) counts in shared memory.
    exactDeliveryCount: true,
    // Deliveries are handed out by a CAS on a ring record or a lease stamp: never twice at once.
    mayDuplicate: false,
    // Any waiting receiver takes the next record of the ring.
    sharesByPartition: false,
    holdsNextUntilAck: false,
    deadLetter: true,
    crossesThreads: true,
    crossesProcesses: false,
    replaysHistory: false,
    countsSubscribers: true,
    backpressure: BACKPRESSURE_MODES,
    requestReply: true,
    connection: false,
    maxMessageBytes: Math.min(ringMaxMessageBytes, leaseMax) - BARE_ENVELOPE_BYTES,
  } satisfies Capabilities);
}
