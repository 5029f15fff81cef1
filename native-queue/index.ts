// native-queue: rings of variable-length byte messages in one SharedArrayBuffer, shared by
// worker threads without a postMessage per message. See README.md.
import { RingError } from './errors.js';
import { isRingKind, verifyDescriptor } from './layout.js';
import { MpmcRing } from './mpmc-ring.js';
import { MpscRing } from './mpsc-ring.js';
import { SpscRing } from './spsc-ring.js';
import type { Ring, RingDescriptor, RingKind, RingOptions } from './types.js';

export type { Ring, RingDescriptor, RingKind, RingOptions, WaitOptions } from './types.js';
export { RingError, type RingErrorCode } from './errors.js';
export { SpscRing } from './spsc-ring.js';
export { MpscRing } from './mpsc-ring.js';
export { MpmcRing } from './mpmc-ring.js';
// The one wait/wake protocol (waiting.ts): layers above park and wake on bells of their own with it.
export { armBell, parkAsync, parkSync, sleepSync, wakeAll, wakeIfSleeping } from './waiting.js';
export { BELL_ARMED, BELL_COUNTER } from './layout.js';

/** Creates a ring in a new SharedArrayBuffer. Pass `ring.describe()` to other threads. */
export function createRing(kind: RingKind, options: RingOptions): Ring {
  switch (kind) {
    case 'spsc':
      return SpscRing.create(options);
    case 'mpsc':
      return MpscRing.create(options);
    case 'mpmc':
      return MpmcRing.create(options);
    default:
      throw new RingError('RING_INVALID_ARGUMENT', `unknown ring kind ${JSON.stringify(kind)}: use 'spsc', 'mpsc' or 'mpmc'`);
  }
}

/** Attaches to a ring another thread created (throws RING_NOT_A_RING for anything else). */
export function attachRing(descriptor: RingDescriptor): Ring {
  const kind = (descriptor as Partial<RingDescriptor> | null | undefined)?.kind;
  if (!isRingKind(kind)) verifyDescriptor(descriptor); // throws the precise RING_NOT_A_RING
  switch (kind as RingKind) {
    case 'spsc':
      return SpscRing.attach(descriptor);
    case 'mpsc':
      return MpscRing.attach(descriptor);
    default:
      return MpmcRing.attach(descriptor);
  }
}
