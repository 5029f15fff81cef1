// Every case, in the order they run: peers first, then our rings, then the channel contract.
// Cases run one after another, never at the same time (2 cores). A case is one file; add it here.
import { channelPromisePairs } from './channel-promise-pairs.js';
import { channelSpscOverhead } from './channel-spsc-overhead.js';
import { eventEmitterQueue } from './eventemitter-queue.js';
import { piscinaTasks } from './piscina-tasks.js';
import { postMessageOneWay } from './postmessage-one-way.js';
import { postMessageRoundTrip } from './postmessage-round-trip.js';
import { ringHeap } from './ring-heap.js';
import { ringMainReceive } from './ring-main-receive.js';
import { ringMpmc } from './ring-mpmc.js';
import { ringMpsc } from './ring-mpsc.js';
import { ringPromisePairs } from './ring-promise-pairs.js';
import { ringRoundTrip } from './ring-round-trip.js';
import { ringSpscOneWay } from './ring-spsc-one-way.js';
import { ringbufJs } from './ringbufjs.js';
import { spinRoundTrip } from './spin-round-trip.js';
import { waitNotifyRoundTrip } from './wait-notify-round-trip.js';
import type { BenchCase } from '../harness/types.js';

export const ALL_CASES: readonly BenchCase[] = [
  // peers
  postMessageOneWay,
  postMessageRoundTrip,
  ringbufJs,
  spinRoundTrip,
  waitNotifyRoundTrip,
  piscinaTasks,
  eventEmitterQueue,
  // native-queue (issue 3)
  ringSpscOneWay,
  ringRoundTrip,
  ringMpsc,
  ringMpmc,
  ringMainReceive,
  ringPromisePairs,
  ringHeap,
  // the Channel contract over the rings (issue 4)
  channelSpscOverhead,
  channelPromisePairs,
];
