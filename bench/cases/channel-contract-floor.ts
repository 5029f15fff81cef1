// Context for issue 4's "beats an EventEmitter queue" target: the least any queue can do per
// message and still keep the Channel contract's promises — a payload copy, a message with a
// unique id and a send timestamp, and a latency sample when it is handed over (so two clock
// reads, through the very clock and id generator InMemoryChannel uses) — and nothing else: no
// checks, no capacity or byte accounting, no counters. The same loop as the EventEmitter peer.
// If this floor cannot clearly beat the peer on this machine, neither can a channel that also
// counts, bounds and checks; InMemoryChannel's figure sits between the two.
import type { Message } from '../../src/channel.js';
import { newMessageId } from '../../src/ids.js';
import { nowMs } from '../../src/metrics/channel-metrics.js';
import { LatencyHistogram } from '../../src/metrics/latency-histogram.js';
import { measurePromisePairs } from '../harness/promise-pairs.js';
import type { BenchCase } from '../harness/types.js';

const NO_HEADERS = Object.freeze({});

class ContractFloorQueue {
  private readonly queued: (Message | undefined)[] = [];
  private head = 0;
  readonly latency = new LatencyHistogram();

  async send(data: Uint8Array): Promise<string> {
    const timestamp = nowMs();
    const id = newMessageId(timestamp);
    const copy = new Uint8Array(data); // the cheapest copy of a small payload (as the channel's)
    this.queued.push({ id, channel: 'floor', data: copy, headers: NO_HEADERS, key: undefined, correlationId: undefined, replyTo: undefined, timestamp, deliveryCount: 1 });
    return id;
  }

  async receive(): Promise<Uint8Array> {
    if (this.head === this.queued.length) throw new Error('ContractFloorQueue: empty (the pair loop always sends first)');
    const message = this.queued[this.head]!;
    this.queued[this.head++] = undefined;
    if (this.head === this.queued.length) this.queued.length = this.head = 0;
    this.latency.record(nowMs() - message.timestamp);
    return message.data;
  }
}

export const channelContractFloor: BenchCase = {
  id: 'channel.floor',
  title: "the contract's per-message minimum as a bare queue (copy, id, timestamp, latency sample), one thread",
  async run(ctx) {
    const queue = new ContractFloorQueue();
    const figure = await measurePromisePairs(ctx, 'channel.floor.pairs', 'bare queue doing only the contract minimum', queue);
    if (queue.latency.count === 0) throw new Error('the floor queue recorded no latency samples');
    return [figure];
  },
};
