// Ours, raw: send + receive through promises on one thread on an SPSC ring (`await ring.send`,
// `await ring.receive()`), the same loop as the EventEmitter-queue peer (promise-pairs.ts). The
// Channel contract's version of this (issue 4) is channel-promise-pairs.ts.
import { measurePromisePairs } from '../harness/promise-pairs.js';
import { loadRings } from '../harness/subjects.js';
import type { BenchCase } from '../harness/types.js';

export const ringPromisePairs: BenchCase = {
  id: 'ring.promise',
  title: 'our SPSC ring, send+receive via promises, one thread',
  async run(ctx) {
    const { createRing, attachRing } = await loadRings();
    const producer = createRing('spsc', { capacityBytes: 64 * 1024 });
    const consumer = attachRing(producer.describe());
    try {
      const figure = await measurePromisePairs(ctx, 'ring.promise.pairs', 'ring send+receive (promises)', {
        send: (m) => producer.send(m),
        receive: () => consumer.receive(),
      });
      return [figure];
    } finally {
      producer.close();
    }
  },
};
