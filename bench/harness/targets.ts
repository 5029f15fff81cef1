// The comparisons the issues ask for. Every ratio is "our figure / the peer's figure" from the
// same run; `better` on the figure says whether a ratio above 1 is good (rates) or bad
// (latencies, time per message). A comparison without a peer checks the figure itself.

export interface Target {
  /** Strictly greater than ("must beat"). */
  above?: number;
  atLeast?: number;
  atMost?: number;
  /** How the issue words it, for the table. */
  text: string;
}

export interface Comparison {
  figure: string;
  peer?: string;
  target?: Target;
  /** Which issue asks for it. */
  issue?: number;
}

export const COMPARISONS: readonly Comparison[] = [
  // issue 3 — SPSC one way, 64 B (batch path), against both peers
  { figure: 'ring.spsc.64b.batch', peer: 'peer.postmessage.oneway.mainToWorker', target: { atLeast: 20, text: '≥ 20× postMessage' }, issue: 3 },
  { figure: 'ring.spsc.64b.batch', peer: 'peer.ringbufjs.64b', target: { atLeast: 2, text: '≥ 2× ringbuf.js' }, issue: 3 },
  { figure: 'ring.spsc.64b.perMessage', peer: 'peer.ringbufjs.64b' },
  { figure: 'ring.spsc.1k.batch', target: { atLeast: 1.5, text: '≥ 1.5 GB/s' }, issue: 3 },
  // issue 3 — round trips
  { figure: 'ring.rtt.hot.p50', target: { atMost: 1, text: 'p50 ≤ 1 µs' }, issue: 3 },
  { figure: 'ring.rtt.hot.p50', peer: 'peer.spin.rtt.p50' },
  { figure: 'ring.rtt.hot.p99', peer: 'peer.spin.rtt.p99' },
  { figure: 'ring.rtt.parked.p50', peer: 'peer.waitnotify.rtt.p50', target: { atMost: 1.2, text: '≤ 1.2× wait/notify' }, issue: 3 },
  { figure: 'ring.rtt.parked.p99', peer: 'peer.waitnotify.rtt.p99' },
  // issue 3 — many threads, main-thread consumer
  { figure: 'ring.mpsc.3to1', peer: 'peer.postmessage.oneway.mainToWorker', target: { atLeast: 10, text: '≥ 10× postMessage' }, issue: 3 },
  { figure: 'ring.mpmc.1to3', peer: 'peer.postmessage.oneway.mainToWorker', target: { atLeast: 10, text: '≥ 10× postMessage' }, issue: 3 },
  { figure: 'ring.mainReceive', peer: 'peer.postmessage.oneway.workerToMain', target: { atLeast: 5, text: '≥ 5× postMessage' }, issue: 3 },
  { figure: 'ring.mpsc.3to1', peer: 'peer.piscina.tasks' },
  // issue 3 — memory: the batch path allocates nothing per message
  { figure: 'ring.heap.batch.allocatedPerMsg', target: { atMost: 0.1, text: '≈ 0 B/msg (≤ 0.1)' }, issue: 3 },
  { figure: 'ring.promise.pairs', peer: 'peer.eventemitter.pairs' },
  // issue 4 — the Channel contract over the rings
  { figure: 'channel.spsc.batch.nsPerMsg', peer: 'channel.spsc.rawRing.nsPerMsg', target: { atMost: 1.5, text: '≤ 1.5× raw ring' }, issue: 4 },
  // context for the target above: the contract's bare per-message minimum, without a channel
  { figure: 'channel.spsc.floor.nsPerMsg', peer: 'channel.spsc.rawRing.nsPerMsg' },
  { figure: 'channel.promise.pairs', peer: 'peer.eventemitter.pairs', target: { above: 1, text: 'beats EventEmitter queue' }, issue: 4 },
  // context for the target above: the contract's bare per-message minimum, without a channel
  { figure: 'channel.floor.pairs', peer: 'peer.eventemitter.pairs' },
  // issue 13 — the pool against piscina (same thread count, same run), CPU scaling, its overhead
  { figure: 'pool.tasks.tiny', peer: 'pool.peer.piscina.tiny', target: { atLeast: 10, text: '≥ 10× piscina run()' }, issue: 13 },
  { figure: 'pool.tasks.object.v8', peer: 'pool.peer.piscina.object' },
  { figure: 'pool.tasks.object.json', peer: 'pool.peer.piscina.object' },
  { figure: 'pool.cpu.scaling', target: { atLeast: 0.9, text: '≥ 0.9× linear' }, issue: 13 },
  { figure: 'pool.rtt.p50', peer: 'pool.peer.ringRtt.p50' },
  { figure: 'pool.rtt.p99', peer: 'pool.peer.ringRtt.p99' },
  { figure: 'pool.codec.v8.nsPerValue', peer: 'pool.peer.structuredClone.nsPerValue' },
  { figure: 'pool.codec.json.nsPerValue', peer: 'pool.peer.structuredClone.nsPerValue' },
  // issue 13 — metrics: our histogram is kept only while it beats hdr-histogram-js; exporting is free
  { figure: 'metrics.histogram.ours.nsPerRecord', peer: 'metrics.histogram.hdr.nsPerRecord', target: { atMost: 1, text: 'beats hdr-histogram-js (JS)' }, issue: 13 },
  { figure: 'metrics.histogram.ours.nsPerRecord', peer: 'metrics.histogram.hdrWasm.nsPerRecord', target: { atMost: 1, text: 'beats hdr-histogram-js (WASM)' }, issue: 13 },
  // context: the same code runs either way (the exporters read stats() at scrape time only; test/metrics counts the reads)
  { figure: 'metrics.exported.pairs', peer: 'metrics.plain.pairs' },
  // issue 12 — Kafka: ours beside raw kafkajs with the same payloads and settings, same run
  { figure: 'kafka.send.ours', peer: 'kafka.send.raw', target: { atLeast: 0.8, text: '≥ 0.8× raw kafkajs sendBatch' }, issue: 12 },
  // context for the target above: what the envelope's two header pairs cost kafkajs itself
  { figure: 'kafka.send.ours', peer: 'kafka.send.rawEnveloped' },
  { figure: 'kafka.consume.ours', peer: 'kafka.consume.raw', issue: 12 },
  { figure: 'kafka.e2e.ours.p50', peer: 'kafka.e2e.raw.p50', issue: 12 },
  { figure: 'kafka.e2e.ours.p99', peer: 'kafka.e2e.raw.p99', issue: 12 },
  // issue 10 — the Redis backend against raw ioredis on the same server
  { figure: 'redis.sendBatch', peer: 'peer.redis.xadd.pipelined', target: { atLeast: 0.8, text: '≥ 0.8× raw pipelined XADD' }, issue: 10 },
  { figure: 'redis.consume.1', peer: 'peer.redis.consume.ackEach', target: { atLeast: 10, text: '≥ 10× one ack per round trip' }, issue: 10 },
  { figure: 'redis.consume.4', peer: 'peer.redis.consume.ackEach', target: { atLeast: 10, text: '≥ 10× one ack per round trip' }, issue: 10 },
  { figure: 'redis.e2e.p50', peer: 'peer.redis.e2e.p50' },
  { figure: 'redis.e2e.p99', peer: 'peer.redis.e2e.p99' },
];

export function meets(value: number, target: Target): boolean {
  if (!Number.isFinite(value)) return false;
  if (target.above !== undefined && !(value > target.above)) return false;
  if (target.atLeast !== undefined && !(value >= target.atLeast)) return false;
  if (target.atMost !== undefined && !(value <= target.atMost)) return false;
  return true;
}
