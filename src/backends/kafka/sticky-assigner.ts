// A sticky partition assigner for kafkajs's classic group protocol: each member tells, in its
// join metadata, the partitions it holds now, and keeps them (up to its fair share) when the group
// rebalances; only the partitions nobody may keep move, to the members holding fewest. kafkajs
// ships round-robin only, which reassigns every partition by member-id order on each join — so a
// new member joining took a partition (and its in-flight deliveries) from its owner half the time,
// redelivering them as duplicates and breaking the per-key hold of a key whose message was out.
import kafkajs from 'kafkajs';
import type { Assigner, PartitionAssigner } from 'kafkajs';

const { AssignerProtocol } = kafkajs;
const NAME = 'PlexspacesSticky';
const VERSION = 1;

/** `held()` is what this member holds now, by topic (sent along when it joins). */
export function stickyAssigner(held: () => Record<string, number[]>): PartitionAssigner {
  return ({ cluster }) => {
    const assigner: Assigner = {
      name: NAME,
      version: VERSION,
      protocol({ topics }) {
        const userData = Buffer.from(JSON.stringify(held()));
        return { name: NAME, metadata: AssignerProtocol.MemberMetadata.encode({ version: VERSION, topics, userData }) };
      },
      async assign({ members, topics }) {
        const ids = members.map((m) => m.memberId).sort();
        const claims = new Map<string, Record<string, number[]>>();
        for (const m of members) {
          const decoded = AssignerProtocol.MemberMetadata.decode(m.memberMetadata);
          claims.set(m.memberId, parseHeld(decoded?.userData));
        }
        const result = new Map<string, Record<string, number[]>>(ids.map((id) => [id, {}]));
        for (const topic of topics) {
          const partitions = cluster.findTopicPartitionMetadata(topic).map((p) => p.partitionId).sort((a, b) => a - b);
          const share = Math.ceil(partitions.length / Math.max(1, ids.length));
          const owner = new Map<number, string>();
          const load = new Map(ids.map((id) => [id, 0]));
          // Keep: each member its own partitions, up to its fair share, first claim wins.
          for (const id of ids) {
            for (const p of claims.get(id)?.[topic] ?? []) {
              if (!partitions.includes(p) || owner.has(p) || load.get(id)! >= share) continue;
              owner.set(p, id);
              load.set(id, load.get(id)! + 1);
            }
          }
          // Move: the rest to the members holding fewest (member-id order breaks ties).
          for (const p of partitions) {
            if (owner.has(p)) continue;
            const id = [...ids].sort((a, b) => load.get(a)! - load.get(b)! || (a < b ? -1 : 1))[0]!;
            owner.set(p, id);
            load.set(id, load.get(id)! + 1);
          }
          for (const [p, id] of owner) (result.get(id)![topic] ??= []).push(p);
        }
        return ids.map((memberId) => ({
          memberId,
          memberAssignment: AssignerProtocol.MemberAssignment.encode({ version: VERSION, assignment: result.get(memberId)!, userData: Buffer.alloc(0) }),
        }));
      },
    };
    return assigner;
  };
}

function parseHeld(userData: Buffer | undefined): Record<string, number[]> {
  if (!userData || userData.length === 0) return {};
  try {
    const parsed = JSON.parse(userData.toString('utf8')) as unknown;
    return parsed !== null && typeof parsed === 'object' ? (parsed as Record<string, number[]>) : {};
  } catch {
    return {};
  }
}
