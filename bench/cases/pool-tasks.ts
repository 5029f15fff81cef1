// Issue 13: tiny tasks through Pool.run() beside piscina's run(), the same thread count (2), the
// same submission (every task of a round at once, then Promise.all), rounds alternating between
// the two so both see the same load. Three payloads: 64 raw bytes (our codec 'bytes', piscina's
// structured clone of a Uint8Array), and a small object through our codecs 'v8' and 'json'
// (piscina clones it). Both pools are started and warmed before the clock runs.
import { Piscina } from 'piscina';
import { MESSAGE_BYTES, makeMessage, median, nowNs } from '../harness/measure.js';
import { rateFigure } from '../harness/throughput.js';
import type { BenchCase, Figure, RunContext } from '../harness/types.js';
import { Pool } from '../../src/pool/index.js';

const THREADS = 2;
const ECHO = new URL('../workers/pool-echo-task.ts', import.meta.url);
const PISCINA_ECHO = new URL('../workers/piscina-echo-task.mjs', import.meta.url).href;

/** A small record, the kind of value a task carries when it is not raw bytes. */
export const SMALL_OBJECT = { id: 12345, name: 'resize', width: 640, height: 480, tags: ['a', 'b'] };

type Runner = (task: unknown) => Promise<unknown>;

async function round(run: Runner, task: unknown, count: number): Promise<number> {
  const start = nowNs();
  const all: Promise<unknown>[] = new Array(count);
  for (let i = 0; i < count; i++) all[i] = run(task);
  await Promise.all(all);
  return (nowNs() - start) / 1e9;
}

/** Alternates rounds of the two runners; returns each one's timed rounds. */
async function alternate(ctx: RunContext, a: Runner, b: Runner, task: unknown, count: number): Promise<[number[], number[]]> {
  const warm = ctx.size(5_000, 500);
  await round(a, task, warm);
  await round(b, task, warm);
  const rounds = ctx.size(3, 1);
  const sa: number[] = [];
  const sb: number[] = [];
  for (let r = 0; r < rounds; r++) {
    sa.push(await round(a, task, count));
    sb.push(await round(b, task, count));
  }
  return [sa, sb];
}

export const poolTasks: BenchCase = {
  id: 'pool.tasks',
  title: 'Pool.run() tiny tasks vs piscina run(), 2 threads',
  async run(ctx) {
    const count = ctx.size(30_000, 2_000);
    const figures: Figure[] = [];
    const piscina = new Piscina({ filename: PISCINA_ECHO, minThreads: THREADS, maxThreads: THREADS });
    const bytesPool = new Pool({ filename: ECHO, minThreads: THREADS, maxThreads: THREADS });
    const v8Pool = new Pool({ filename: ECHO, minThreads: THREADS, maxThreads: THREADS, codec: 'v8' });
    const jsonPool = new Pool({ filename: ECHO, minThreads: THREADS, maxThreads: THREADS, codec: 'json' });
    try {
      const piscinaRun: Runner = (t) => piscina.run(t);
      const message = makeMessage(MESSAGE_BYTES);
      const [peer, ours] = await alternate(ctx, piscinaRun, (t) => bytesPool.run(t as Uint8Array), message, count);
      figures.push(rateFigure('pool.peer.piscina.tiny', 'piscina run(), 64 B tasks, 2 threads', count, peer, 'task/s'));
      figures.push(rateFigure('pool.tasks.tiny', 'Pool.run(), 64 B tasks, codec bytes, 2 threads', count, ours, 'task/s'));
      figures.push({ id: 'pool.tasks.tiny.nsPerTask', label: 'Pool.run() main-thread time per tiny task (1 / rate)', value: median(ours) * 1e9 / count, unit: 'ns/task', better: 'lower' });
      const [peerObject, oursV8] = await alternate(ctx, piscinaRun, (t) => v8Pool.run(t), SMALL_OBJECT, count);
      const [, oursJson] = await alternate(ctx, piscinaRun, (t) => jsonPool.run(t), SMALL_OBJECT, count);
      figures.push(rateFigure('pool.peer.piscina.object', 'piscina run(), a small object (structured clone), 2 threads', count, peerObject, 'task/s'));
      figures.push(rateFigure('pool.tasks.object.v8', "Pool.run(), the same object, codec 'v8'", count, oursV8, 'task/s'));
      figures.push(rateFigure('pool.tasks.object.json', "Pool.run(), the same object, codec 'json'", count, oursJson, 'task/s'));
      return figures;
    } finally {
      await Promise.all([piscina.destroy(), bytesPool.destroy(), v8Pool.destroy(), jsonPool.destroy()]);
    }
  },
};
