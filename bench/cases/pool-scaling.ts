// Issue 13: a CPU-bound task (SHA-256 over 4 KiB, 16 chained rounds) through Pool.run() with 1
// thread and with as many threads as the machine has cores; scaling = rate(N) / (N × rate(1)),
// 1 is linear. Rounds alternate between the two pools so both see the same load. The main thread
// also works (dispatching, resolving), so on a machine whose cores are busy elsewhere this reads low.
import { availableParallelism } from 'node:os';
import { median, nowNs } from '../harness/measure.js';
import { rateFigure } from '../harness/throughput.js';
import type { BenchCase } from '../harness/types.js';
import { Pool } from '../../src/pool/index.js';

const HASH = new URL('../workers/pool-hash-task.ts', import.meta.url);

async function round(pool: Pool<Uint8Array, Uint8Array>, block: Uint8Array, count: number): Promise<number> {
  const start = nowNs();
  await Promise.all(Array.from({ length: count }, () => pool.run(block)));
  return (nowNs() - start) / 1e9;
}

export const poolScaling: BenchCase = {
  id: 'pool.cpu',
  title: 'Pool.run() CPU-bound tasks: 1 thread vs one per core',
  async run(ctx) {
    const cores = availableParallelism();
    const count = ctx.size(4000, 200);
    const block = new Uint8Array(4096).map((_, i) => (i * 7) & 0xff);
    const one = new Pool<Uint8Array, Uint8Array>({ filename: HASH, minThreads: 1, maxThreads: 1 });
    const all = new Pool<Uint8Array, Uint8Array>({ filename: HASH, minThreads: cores, maxThreads: cores });
    try {
      await round(one, block, count / 4);
      await round(all, block, count / 4);
      const s1: number[] = [];
      const sN: number[] = [];
      for (let r = 0; r < ctx.size(3, 1); r++) {
        s1.push(await round(one, block, count));
        sN.push(await round(all, block, count));
      }
      const r1 = count / median(s1);
      const rN = count / median(sN);
      return [
        rateFigure('pool.cpu.oneThread', 'SHA-256 4 KiB ×16 tasks, 1 thread', count, s1, 'task/s'),
        rateFigure(`pool.cpu.allCores`, `the same, ${cores} threads`, count, sN, 'task/s'),
        { id: 'pool.cpu.scaling', label: `scaling to ${cores} cores (rate / (${cores} × 1-thread rate))`, value: rN / (cores * r1), unit: '× linear', better: 'higher', detail: `${cores} cores` },
      ];
    } finally {
      await Promise.all([one.destroy(), all.destroy()]);
    }
  },
};
