// Every case, in the order they run (one after another, never at the same time: 2 cores).
// A case is one file; add it here.
import { channelContractFloor } from './channel-contract-floor.js';
import { channelPromisePairs } from './channel-promise-pairs.js';
import { channelSpscOverhead } from './channel-spsc-overhead.js';
import { eventEmitterQueue } from './eventemitter-queue.js';
import { kafkaConsume } from './kafka-consume.js';
import { kafkaLatency } from './kafka-latency.js';
import { kafkaSendBatch } from './kafka-send-batch.js';
import { piscinaTasks } from './piscina-tasks.js';
import { postMessageOneWay } from './postmessage-one-way.js';
import { postMessageRoundTrip } from './postmessage-round-trip.js';
import { redisConsume } from './redis-consume.js';
import { redisConsumePeer } from './redis-consume-peer.js';
import { redisLatency } from './redis-latency.js';
import { redisLatencyPeer } from './redis-latency-peer.js';
import { redisSendBatch } from './redis-send-batch.js';
import { redisXaddPeer } from './redis-xadd-peer.js';
import { ringHeap } from './ring-heap.js';
import { ringMainReceive } from './ring-main-receive.js';
import { ringMpmc } from './ring-mpmc.js';
import { ringMpsc } from './ring-mpsc.js';
import { ringPromisePairs } from './ring-promise-pairs.js';
import { ringRoundTrip } from './ring-round-trip.js';
import { ringSpscOneWay } from './ring-spsc-one-way.js';
import { ringbufJs } from './ringbufjs.js';
import { spinRoundTrip } from './spin-round-trip.js';
import { waitNotifyRoundTrip } from './wait-notify-round-trip.js';
import { poolTasks } from './pool-tasks.js';
import { poolScaling } from './pool-scaling.js';
import { poolRoundTrip } from './pool-round-trip.js';
import { poolCodecs } from './pool-codecs.js';
import { metricsHistogram } from './metrics-histogram.js';
import { metricsOverhead } from './metrics-overhead.js';
import type { BenchCase } from '../harness/types.js';

export const ALL_CASES: readonly BenchCase[] = [
  // Each of ours runs right after the peers it is compared with, so that a change in the load of
  // this shared machine between the two is as unlikely as it can be.
  postMessageOneWay,
  ringbufJs,
  ringSpscOneWay,
  ringMpsc,
  ringMpmc,
  ringMainReceive,
  spinRoundTrip,
  waitNotifyRoundTrip,
  ringRoundTrip,
  postMessageRoundTrip,
  piscinaTasks,
  eventEmitterQueue,
  ringPromisePairs,
  channelPromisePairs,
  // context for channel.promise, measured after it so that it cannot change the JIT's view of it
  channelContractFloor,
  channelSpscOverhead,
  ringHeap,
  // issue 13: the pool (each case runs its peer — piscina, a bare ring, structuredClone,
  // hdr-histogram-js — itself, alternating rounds), then metrics
  poolTasks,
  poolScaling,
  poolRoundTrip,
  poolCodecs,
  metricsHistogram,
  metricsOverhead,
  // issue 12: Kafka, ours beside raw kafkajs in each case (skipped when Kafka is not reachable)
  kafkaSendBatch,
  kafkaConsume,
  kafkaLatency,
  // issue 10 — the Redis backend, each right after its raw ioredis peer (skipped without Redis)
  redisXaddPeer,
  redisSendBatch,
  redisConsumePeer,
  redisConsume,
  redisLatencyPeer,
  redisLatency,
];
