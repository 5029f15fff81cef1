// Peer: piscina (npm), the usual worker pool, running tiny tasks (echo a 64-byte message) on 2
// threads; tasks travel by postMessage both ways. All tasks of a round are submitted at once so
// the pool is never starved; tasks/s is the pool's best case. Its own counts (tasks are ~100×
// slower than ring messages, the one-way counts would take minutes).
import { Piscina } from 'piscina';
import { MESSAGE_BYTES, makeMessage } from '../harness/measure.js';
import { rateFigure, timeRounds } from '../harness/throughput.js';
import type { BenchCase } from '../harness/types.js';

export const piscinaTasks: BenchCase = {
  id: 'peer.piscina',
  title: 'piscina tiny tasks, 2 threads',
  async run(ctx) {
    const plan = { warmupCount: ctx.size(5_000, 500), count: ctx.size(30_000, 2_000), rounds: ctx.size(2, 1) };
    const message = makeMessage(MESSAGE_BYTES);
    const pool = new Piscina({
      filename: new URL('../workers/piscina-echo-task.mjs', import.meta.url).href,
      minThreads: 2,
      maxThreads: 2,
    });
    try {
      const seconds = await timeRounds(plan, async (count) => {
        const tasks: Promise<unknown>[] = new Array(count);
        for (let i = 0; i < count; i++) tasks[i] = pool.run(message);
        await Promise.all(tasks);
      });
      return [rateFigure('peer.piscina.tasks', 'piscina tiny tasks, 2 threads', plan.count, seconds, 'task/s')];
    } finally {
      await pool.destroy();
    }
  },
};
