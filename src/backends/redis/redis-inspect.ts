// What a Redis channel holds, for `inspect()` (and the CLI's `info` / `stats`): the stream's
// length and, for every consumer group on it, its members, its lag (entries not yet delivered to
// it — for the receivers' queue, the sends not yet read, publishes not counted), its unacked
// entries and the retries waiting in its retry stream and delay set. Two round trips, never
// credentials.
import type { ChannelInfo, GroupInfo } from '../../channel.js';
import { RECEIVERS_GROUP, RESERVED_GROUP_PREFIX } from '../../base/subscription.js';
import type { Connection } from './connections.js';
import type { StreamKeys } from './entries.js';

/** XINFO GROUPS' flat reply of one group, as an object. */
function fieldsOf(flat: unknown[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (let i = 0; i + 1 < flat.length; i += 2) out[String(flat[i])] = flat[i + 1];
  return out;
}

export async function inspectRedis(c: Connection, keys: StreamKeys, server: string): Promise<Omit<ChannelInfo, 'name' | 'status'>> {
  const [[, length], [, groupsReply], [, waiting]] = (await c.redis
    .multi()
    .xlen(keys.stream)
    .xinfo('GROUPS', keys.stream)
    .get(keys.waiting)
    .exec()) as [[null, number], [null, unknown[][]], [null, string | null]];
  const groups = groupsReply.map(fieldsOf);
  const extra = c.redis.pipeline();
  for (const g of groups) extra.xlen(keys.retry(String(g.name))).zcard(keys.delay(String(g.name)));
  const counts = ((await extra.exec()) ?? []).map(([, n]) => Number(n ?? 0));
  const infos: GroupInfo[] = [];
  const detail: Record<string, unknown> = {};
  groups.forEach((g, i) => {
    const name = String(g.name);
    const receivers = name === RECEIVERS_GROUP;
    const solo = !receivers && name.startsWith(`${RESERVED_GROUP_PREFIX}solo-`);
    const lag = typeof g.lag === 'number' ? g.lag : undefined;
    infos.push({
      name,
      kind: receivers ? 'receivers' : solo ? 'subscriber' : 'group',
      pending: receivers ? Number(waiting ?? 0) : lag,
      members: Number(g.consumers),
    });
    detail[name] = {
      unacked: Number(g.pending),
      lag: lag ?? null,
      lastDeliveredId: g['last-delivered-id'],
      entriesRead: g['entries-read'] ?? null,
      retriesWaiting: counts[2 * i],
      retriesDelayed: counts[2 * i + 1],
    };
  });
  if (!infos.some((g) => g.kind === 'receivers')) infos.unshift({ name: RECEIVERS_GROUP, kind: 'receivers', pending: Number(waiting ?? 0), members: 0 });
  return { messages: Number(length), groups: infos, backend: { backend: 'redis', server, stream: keys.stream, groups: detail } };
}
