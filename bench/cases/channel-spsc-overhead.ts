// Issue 4: what the Channel contract costs on top of the raw ring, batch path, time per message.
// Both run the same loop on one thread — send a batch of 32 messages of 64 B, take them back,
// copy each payload out — so the difference is the contract's own work (envelope, ids, promises,
// Delivery objects, stats), not thread scheduling:
//   raw ring:  trySendBatch(batch) → drain(copy)
//   channel:   await sendBatch(batch) → await receiveBatch(32, { timeoutMs: 0 }) → copy each data
// The channel is opened at-most-once (the ring's own semantics: no acknowledgement round trip).
import { MESSAGE_BYTES } from '../harness/measure.js';
import { CopyingConsumer, makeBatch } from '../harness/ring-pumps.js';
import { StallGuard } from '../harness/stall.js';
import { loadMemoryChannel, loadRings } from '../harness/subjects.js';
import { timeRounds } from '../harness/throughput.js';
import { describeRuns, median } from '../harness/measure.js';
import type { BenchCase, Figure } from '../harness/types.js';
import type { Message } from '../../src/channel.js';
import { newMessageId } from '../../src/ids.js';
import { nowMs } from '../../src/metrics/channel-metrics.js';
import { LatencyHistogram } from '../../src/metrics/latency-histogram.js';

const BATCH_SIZE = 32;
const NO_HEADERS = Object.freeze({});

/**
 * Context, not a target: the least any batch path can do and keep the contract's per-message
 * promises — a payload copy, a message with a unique id and a timestamp, one latency sample per
 * message handed out — and nothing else (no checks, accounting, counters, settlement). One clock
 * read per batch each way, like the channel's; the clock and the id generator are the channel's.
 */
class ContractFloorBatches {
  private queued: Message[] = [];
  readonly latency = new LatencyHistogram();

  async sendBatch(batch: readonly Uint8Array[]): Promise<string[]> {
    const timestamp = nowMs();
    const ids: string[] = [];
    for (const data of batch) {
      const id = newMessageId(timestamp);
      this.queued.push({ id, channel: 'floor', data: new Uint8Array(data), headers: NO_HEADERS, key: undefined, correlationId: undefined, replyTo: undefined, timestamp, deliveryCount: 1 });
      ids.push(id);
    }
    return ids;
  }

  async receiveBatch(max: number): Promise<Message[]> {
    const now = nowMs();
    const out = this.queued.length <= max ? this.queued : this.queued.splice(0, max);
    if (out === this.queued) this.queued = [];
    for (const m of out) this.latency.record(now - m.timestamp);
    return out;
  }
}

function nsPerMessage(id: string, label: string, count: number, seconds: readonly number[]): Figure {
  const ns = seconds.map((s) => (s * 1e9) / count);
  return { id, label, value: median(ns), unit: 'ns/msg', better: 'lower', detail: `${count} msgs a round, ${describeRuns(ns, (v) => v.toFixed(0))}` };
}

export const channelSpscOverhead: BenchCase = {
  id: 'channel.spsc',
  title: 'InMemoryChannel batch path vs the raw SPSC ring, one thread, 64 B',
  async run(ctx) {
    const InMemoryChannel = await loadMemoryChannel();
    const { createRing, attachRing } = await loadRings();
    // Its own counts (the same for both sides): smaller than the cross-thread cases', so that a
    // slow contract path cannot stretch the run to minutes.
    const plan = { warmupCount: ctx.size(10_000, 1_000), count: ctx.size(50_000, 5_000), rounds: ctx.size(3, 1) };
    const batch = makeBatch(BATCH_SIZE, MESSAGE_BYTES);

    const producer = createRing('spsc', { capacityBytes: 1024 * 1024 });
    const consumer = new CopyingConsumer(attachRing(producer.describe()), MESSAGE_BYTES);
    const guard = new StallGuard('raw ring batch loop on one thread');
    const raw = await timeRounds(plan, async (count) => {
      for (let done = 0; done < count; ) {
        producer.trySendBatch(count - done >= BATCH_SIZE ? batch : batch.slice(0, count - done));
        const n = consumer.drainOnce();
        if (n > 0) {
          done += n;
          guard.progress();
        } else guard.idle();
      }
    });
    producer.close();

    const channel = new InMemoryChannel({ name: 'bench-spsc-overhead', delivery: 'at-most-once', capacityBytes: 1024 * 1024 });
    const scratch = new Uint8Array(MESSAGE_BYTES);
    try {
      const contract = await timeRounds(plan, async (count) => {
        for (let done = 0; done < count; ) {
          await channel.sendBatch(count - done >= BATCH_SIZE ? batch : batch.slice(0, count - done));
          const deliveries = await channel.receiveBatch(BATCH_SIZE, { timeoutMs: 0 });
          for (const d of deliveries) scratch.set(d.data);
          done += deliveries.length;
        }
      });
      const floorQueue = new ContractFloorBatches();
      const floor = await timeRounds(plan, async (count) => {
        for (let done = 0; done < count; ) {
          await floorQueue.sendBatch(count - done >= BATCH_SIZE ? batch : batch.slice(0, count - done));
          const messages = await floorQueue.receiveBatch(BATCH_SIZE);
          for (const m of messages) scratch.set(m.data);
          done += messages.length;
        }
      });
      if (floorQueue.latency.count === 0) throw new Error('the floor recorded no latency samples');
      return [
        nsPerMessage('channel.spsc.rawRing.nsPerMsg', 'raw SPSC ring batch path, one thread', plan.count, raw),
        nsPerMessage('channel.spsc.batch.nsPerMsg', 'InMemoryChannel sendBatch/receiveBatch, one thread', plan.count, contract),
        nsPerMessage('channel.spsc.floor.nsPerMsg', "bare batches doing only the contract's minimum", plan.count, floor),
      ];
    } finally {
      await channel.close();
    }
  },
};
