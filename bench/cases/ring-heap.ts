// Ours: memory. (1) The ring is one SharedArrayBuffer: its size against the configured capacity.
// (2) The batch path allocates nothing per message: 10 million 64-byte messages through
// trySendBatch → drain on one thread (both handles of one SPSC ring, so one heap sees both
// sides). Bytes allocated during the run = heap used after − heap used before + what every GC
// during the run freed (v8.GCProfiler reports heap used before and after each GC), so garbage
// collected mid-run is still counted. A control runs the same loop with tryReceive() (a fresh
// copy per message) to show the method does see allocation. Retained growth is read with
// process.memoryUsage() after a full gc (exposed at run time through v8 flags).
import { GCProfiler, getHeapStatistics, setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { MESSAGE_BYTES, tick } from '../harness/measure.js';
import { makeBatch } from '../harness/ring-pumps.js';
import { StallGuard } from '../harness/stall.js';
import { loadRings, type BenchRing } from '../harness/subjects.js';
import type { BenchCase, Figure } from '../harness/types.js';

const CAPACITY_BYTES = 64 * 1024;
const BATCH_SIZE = 32;

function exposeGc(): () => void {
  const existing = (globalThis as { gc?: () => void }).gc;
  if (existing) return existing;
  setFlagsFromString('--expose-gc');
  return runInNewContext('gc') as () => void;
}

interface HeapReading {
  allocatedPerMsg: number;
  retainedPerMsg: number;
  gcs: number;
}

async function measureHeap(messages: number, step: () => number): Promise<HeapReading> {
  const gc = exposeGc();
  // Warm the loop first so JIT compilation is not counted as the loop's allocation.
  for (let done = 0, spins = 0; done < Math.min(messages, 200_000); spins++) {
    done += step();
    if (spins > 10_000_000) throw new Error('the warm-up loop makes no progress');
  }
  gc();
  await tick();
  const retainedBefore = process.memoryUsage().heapUsed;
  const profiler = new GCProfiler();
  profiler.start();
  const usedBefore = getHeapStatistics().used_heap_size;
  const guard = new StallGuard('batch loop on one thread');
  for (let done = 0; done < messages; ) {
    const n = step();
    if (n > 0) {
      done += n;
      guard.progress();
    } else guard.idle();
  }
  const usedAfter = getHeapStatistics().used_heap_size;
  const gcs = profiler.stop()?.statistics ?? [];
  let freed = 0;
  for (const event of gcs) freed += event.beforeGC.heapStatistics.usedHeapSize - event.afterGC.heapStatistics.usedHeapSize;
  gc();
  const retainedAfter = process.memoryUsage().heapUsed;
  return {
    allocatedPerMsg: Math.max(0, usedAfter - usedBefore + freed) / messages,
    retainedPerMsg: Math.max(0, retainedAfter - retainedBefore) / messages,
    gcs: gcs.length,
  };
}

export const ringHeap: BenchCase = {
  id: 'ring.heap',
  title: 'our SPSC ring: buffer size, and heap growth of the batch path over 10 M messages',
  onePass: true,
  async run(ctx) {
    const { createRing, attachRing } = await loadRings();
    const messages = ctx.size(10_000_000, 200_000);
    const batch = makeBatch(BATCH_SIZE, MESSAGE_BYTES);

    const fresh = (): [BenchRing, BenchRing] => {
      const producer = createRing('spsc', { capacityBytes: CAPACITY_BYTES });
      return [producer, attachRing(producer.describe())];
    };

    const [producer, consumer] = fresh();
    const bufferBytes = producer.describe().buffer.byteLength;
    let checksum = 0;
    const onView = (view: Uint8Array) => {
      checksum = (checksum + view[0]!) | 0;
    };
    const batchPath = await measureHeap(messages, () => {
      producer.trySendBatch(batch);
      return consumer.drain(onView);
    });
    producer.close();

    const [copyProducer, copyConsumer] = fresh();
    const copyPath = await measureHeap(ctx.size(1_000_000, 100_000), () => {
      copyProducer.trySendBatch(batch);
      let n = 0;
      for (let m = copyConsumer.tryReceive(); m !== undefined; m = copyConsumer.tryReceive()) n++;
      return n;
    });
    copyProducer.close();

    const detail = (r: HeapReading) => `${r.gcs} GCs during the run`;
    const figures: Figure[] = [
      { id: 'ring.memory.bufferBytes', label: 'SPSC ring SharedArrayBuffer size', value: bufferBytes, unit: 'bytes', better: 'lower', detail: `capacityBytes ${CAPACITY_BYTES} + ${bufferBytes - CAPACITY_BYTES} header` },
      { id: 'ring.heap.batch.allocatedPerMsg', label: `batch path heap allocated / msg (${messages} msgs)`, value: batchPath.allocatedPerMsg, unit: 'B/msg', better: 'lower', detail: detail(batchPath) },
      { id: 'ring.heap.batch.retainedPerMsg', label: 'batch path heap retained after gc / msg', value: batchPath.retainedPerMsg, unit: 'B/msg', better: 'lower' },
      { id: 'ring.heap.copy.allocatedPerMsg', label: 'control: tryReceive (copy) heap allocated / msg', value: copyPath.allocatedPerMsg, unit: 'B/msg', better: 'lower', detail: detail(copyPath) },
    ];
    return figures;
  },
};
