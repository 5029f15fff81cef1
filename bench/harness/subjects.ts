// What the bench measures of our own code, in one place: native-queue's rings and the in-memory
// Channel, through their public entry points (the same ones the package exports).
import * as rings from '../../native-queue/index.js';
import { InMemoryChannel } from '../../src/backends/memory/index.js';

export type { Ring as BenchRing, RingDescriptor, RingKind, RingOptions } from '../../native-queue/index.js';
export type RingModule = typeof rings;
export type BenchChannelClass = typeof InMemoryChannel;

/** native-queue's public entry point. Works in the main thread and in workers. */
export async function loadRings(): Promise<RingModule> {
  return rings;
}

/** InMemoryChannel from src/backends/memory. */
export async function loadMemoryChannel(): Promise<BenchChannelClass> {
  return InMemoryChannel;
}

/** True when an error is a RingError with this code (RING_CLOSED, RING_TIMEOUT, …). */
export function isRingError(error: unknown, code: rings.RingErrorCode): boolean {
  return error instanceof rings.RingError && error.code === code;
}
