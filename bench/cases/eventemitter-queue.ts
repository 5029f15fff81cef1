// Peer: an async queue on EventEmitter, send + receive through promises on one thread (64 B).
import { EventEmitterQueue } from '../peers/event-emitter-queue.js';
import { measurePromisePairs } from '../harness/promise-pairs.js';
import type { BenchCase } from '../harness/types.js';

export const eventEmitterQueue: BenchCase = {
  id: 'peer.eventemitter',
  title: 'EventEmitter async queue, send+receive via promises, one thread',
  async run(ctx) {
    return [await measurePromisePairs(ctx, 'peer.eventemitter.pairs', 'EventEmitter queue send+receive', new EventEmitterQueue())];
  },
};
