// Loads what the bench measures of our own code — native-queue's rings and, later, the in-memory
// Channel — lazily and by file URL, so that a module that does not exist yet (other people are
// writing it) becomes a "not available yet" row instead of a crash, and `tsc` stays clean either
// way. The interfaces below are the subset of the native-queue API (native-queue/README.md) the cases use.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { NotAvailable } from './types.js';

export type RingKind = 'spsc' | 'mpsc' | 'mpmc';

export interface RingOptions {
  capacityBytes: number;
  maxProducers?: number;
  spinMicros?: number;
  parkSliceMs?: number;
}

export interface RingDescriptor {
  readonly kind: RingKind;
  readonly buffer: SharedArrayBuffer;
  readonly options: Required<RingOptions>;
}

export interface BenchRing {
  readonly closed: boolean;
  readonly capacityBytes: number;
  describe(): RingDescriptor;
  trySend(message: Uint8Array): boolean;
  trySendBatch(messages: readonly Uint8Array[]): number;
  tryReceive(): Uint8Array | undefined;
  tryReceiveView(): Uint8Array | undefined;
  drain(onMessage: (view: Uint8Array) => void, max?: number): number;
  sendSync(message: Uint8Array, timeoutMs?: number): void;
  receiveSync(timeoutMs?: number): Uint8Array;
  send(message: Uint8Array, options?: { timeoutMs?: number }): Promise<void>;
  receive(options?: { timeoutMs?: number }): Promise<Uint8Array>;
  close(): void;
  release(): void;
}

export interface RingModule {
  createRing(kind: RingKind, options: RingOptions): BenchRing;
  attachRing(descriptor: RingDescriptor): BenchRing;
}

const NATIVE_QUEUE_URL = new URL('../../native-queue/index.ts', import.meta.url);
const MEMORY_CHANNEL_URL = new URL('../../src/backends/memory/index.ts', import.meta.url);

async function loadModule(url: URL, what: string): Promise<Record<string, unknown>> {
  if (!existsSync(fileURLToPath(url))) {
    throw new NotAvailable(`${what} (${fileURLToPath(url).replace(/^.*?\/(native-queue|src)\//, '$1/')}) does not exist yet`);
  }
  return (await import(url.href)) as Record<string, unknown>;
}

/** native-queue's public entry point, or NotAvailable. Works in the main thread and in workers. */
export async function loadRings(): Promise<RingModule> {
  const module = await loadModule(NATIVE_QUEUE_URL, 'native-queue');
  if (typeof module.createRing !== 'function' || typeof module.attachRing !== 'function') {
    throw new NotAvailable('native-queue/index.ts does not export createRing and attachRing yet');
  }
  return module as unknown as RingModule;
}

/** The subset of the Channel contract (src/channel.ts) the bench drives. */
export interface BenchChannel {
  send(data: Uint8Array): Promise<string>;
  sendBatch(messages: readonly Uint8Array[]): Promise<string[]>;
  receive(options?: { timeoutMs?: number }): Promise<Uint8Array>;
  receiveBatch(max: number, options?: { timeoutMs?: number }): Promise<readonly { readonly data: Uint8Array }[]>;
  close(): Promise<void>;
}

export type BenchChannelClass = new (options?: Record<string, unknown>) => BenchChannel;

/** InMemoryChannel from src/backends/memory, or NotAvailable. */
export async function loadMemoryChannel(): Promise<BenchChannelClass> {
  const module = await loadModule(MEMORY_CHANNEL_URL, 'the in-memory channel');
  if (typeof module.InMemoryChannel !== 'function') {
    throw new NotAvailable('src/backends/memory/index.ts does not export InMemoryChannel yet');
  }
  return module.InMemoryChannel as BenchChannelClass;
}

/** True when an error is a RingError with this code (RING_CLOSED, RING_TIMEOUT, …). */
export function isRingError(error: unknown, code: string): boolean {
  return typeof error === 'object' && error !== null && (error as { code?: unknown }).code === code;
}
