// Every case, in the order they run: peers first, then our rings, then the channel contract.
// A case is one file; add it here.
import { eventEmitterQueue } from './eventemitter-queue.js';
import { piscinaTasks } from './piscina-tasks.js';
import { postMessageOneWay } from './postmessage-one-way.js';
import { postMessageRoundTrip } from './postmessage-round-trip.js';
import { ringbufJs } from './ringbufjs.js';
import { spinRoundTrip } from './spin-round-trip.js';
import { waitNotifyRoundTrip } from './wait-notify-round-trip.js';
import type { BenchCase } from '../harness/types.js';

export const ALL_CASES: readonly BenchCase[] = [
  postMessageOneWay,
  postMessageRoundTrip,
  ringbufJs,
  spinRoundTrip,
  waitNotifyRoundTrip,
  piscinaTasks,
  eventEmitterQueue,
];
