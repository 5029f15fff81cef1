// Kafka consumer group ids are global across topics, so every group the library makes is scoped
// by its topic:
//   `<topic>.ps-receivers`        the receivers' queue (RECEIVERS_GROUP)
//   `<topic>.<group>`             subscription group `group`
//   `<topic>.ps-solo-<token>`     an ungrouped subscriber (deleted when it unsubscribes)
//   `<topic>.ps-inbox-<token>`    a handle's request inbox (topic and group, deleted with the handle)
// Where a group starts: the receivers' group at the topic's beginning when it has no offsets (a
// work queue keeps what was sent before its first receiver — on a topic with old history, its
// first receiver ever reads that history too); a new subscription group at the topic's end,
// fixed at the end offsets read before subscribe() resolves (the member seeks there on its first
// assignment and commits them), so nothing sent after it is missed while the member joins; an existing group resumes at its committed offsets.
import { randomToken } from '../../ids.js';
import { RECEIVERS_GROUP, RESERVED_GROUP_PREFIX } from '../../base/subscription.js';
import type { BrokerClient } from './client-seam.js';

export const receiversGroupId = (topic: string): string => `${topic}.${RECEIVERS_GROUP}`;
export const subscriptionGroupId = (topic: string, group: string): string => `${topic}.${group}`;
export const soloGroupId = (topic: string): string => `${topic}.${RESERVED_GROUP_PREFIX}solo-${randomToken(12)}`;

/**
 * Where a new group starts: the topic's end offsets now, or undefined for a group that has
 * committed offsets (it existed: it resumes there).
 */
export async function endsIfNew(client: BrokerClient, groupId: string, topic: string): Promise<Map<number, number> | undefined> {
  const committed = await client.committed(groupId, topic);
  if (committed.size > 0) return undefined;
  const ends = new Map<number, number>();
  for (const [partition, [, end]] of await client.offsets(topic)) ends.set(partition, end);
  return ends;
}
