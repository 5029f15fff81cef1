// Issue 4: InMemoryChannel `await send(m)` then `await receive()` on one thread, the same loop as
// the EventEmitter-queue peer (harness/promise-pairs.ts); it must win. Default options
// (at-least-once; `receive` acknowledges on hand-over), as a newcomer would use it.
import { measurePromisePairs } from '../harness/promise-pairs.js';
import { loadMemoryChannel } from '../harness/subjects.js';
import type { BenchCase } from '../harness/types.js';

export const channelPromisePairs: BenchCase = {
  id: 'channel.promise',
  title: 'InMemoryChannel send+receive via promises, one thread, 64 B',
  async run(ctx) {
    const InMemoryChannel = await loadMemoryChannel();
    const channel = new InMemoryChannel({ name: 'bench-promise-pairs' });
    try {
      return [await measurePromisePairs(ctx, 'channel.promise.pairs', 'InMemoryChannel send+receive', channel)];
    } finally {
      await channel.close();
    }
  },
};
