// Every case, in the order they run: peers first, then our rings, then the channel contract.
// A case is one file; add it here.
import { postMessageOneWay } from './postmessage-one-way.js';
import { postMessageRoundTrip } from './postmessage-round-trip.js';
import type { BenchCase } from '../harness/types.js';

export const ALL_CASES: readonly BenchCase[] = [postMessageOneWay, postMessageRoundTrip];
