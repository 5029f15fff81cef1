// Issue 13: what a value codec costs, one thread, encode + decode of one small object per value:
// the pool's 'v8' (node:v8 serialize/deserialize, the structured-clone format) and 'json' (JSON +
// UTF-8), beside structuredClone() itself — the copy postMessage (and so piscina) makes of every
// task and result. The bytes codec costs nothing (the Uint8Array is used as it is).
import { nowNs } from '../harness/measure.js';
import type { BenchCase, Figure } from '../harness/types.js';
import { SMALL_OBJECT } from './pool-tasks.js';
import { codecNamed } from '../../src/pool/codecs.js';

function nsPer(count: number, work: () => void): number {
  for (let i = 0; i < count / 10; i++) work();
  const start = nowNs();
  for (let i = 0; i < count; i++) work();
  return (nowNs() - start) / count;
}

export const poolCodecs: BenchCase = {
  id: 'pool.codec',
  title: 'value codecs: encode + decode of a small object',
  async run(ctx) {
    const count = ctx.size(200_000, 5_000);
    const v8 = codecNamed('v8');
    const json = codecNamed('json');
    let sink: unknown;
    const figure = (id: string, label: string, value: number): Figure => ({ id, label, value, unit: 'ns/value', better: 'lower', detail: `${count} values` });
    return [
      figure('pool.peer.structuredClone.nsPerValue', 'structuredClone() of a small object', nsPer(count, () => (sink = structuredClone(SMALL_OBJECT)))),
      figure('pool.codec.v8.nsPerValue', "codec 'v8': serialize + deserialize", nsPer(count, () => (sink = v8.decode(v8.encode(SMALL_OBJECT, 'the task'))))),
      figure('pool.codec.json.nsPerValue', "codec 'json': stringify + encode + decode + parse", nsPer(count, () => (sink = json.decode(json.encode(SMALL_OBJECT, 'the task'))))),
    ].map((f) => (void sink, f));
  },
};
