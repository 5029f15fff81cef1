// The public types of the rings (see README.md, "API"). Kept apart from the implementations so
// other modules can depend on the shape without loading any ring.

export type RingKind = 'spsc' | 'mpsc' | 'mpmc';

export interface RingOptions {
  /** Bytes of the data region (per lane for mpsc). A power of two, >= 256. */
  capacityBytes: number;
  /** mpsc only: how many producer lanes (producer handles that may exist at once). Default 4. */
  maxProducers?: number;
  /** How long a blocked call spins before it parks (microseconds). Default 20. 0 = park at once. */
  spinMicros?: number;
  /** Longest single park before a re-check (ms); parks are always bounded. Default 50. */
  parkSliceMs?: number;
  /**
   * mpmc only: how long a claimed record may stay unfinished before receivers presume its
   * producer dead (a terminated thread) and skip it, so one dead producer cannot stall the ring.
   * A producer that commits later gets RING_ABANDONED. Default 1000 ms; 0 or Infinity = never.
   */
  abandonAfterMs?: number;
}

/** Plain data: postMessage carries it to another thread, which calls attachRing(descriptor). */
export interface RingDescriptor {
  readonly kind: RingKind;
  readonly buffer: SharedArrayBuffer;
  readonly options: Required<RingOptions>;
}

export interface WaitOptions {
  timeoutMs?: number;
  signal?: AbortSignal;
}

export interface Ring {
  readonly kind: RingKind;
  readonly capacityBytes: number;
  /** Largest payload a single message may have; bigger ones throw RING_MESSAGE_TOO_LARGE. */
  readonly maxMessageBytes: number;
  readonly closed: boolean;
  describe(): RingDescriptor;

  trySend(message: Uint8Array): boolean;
  trySendBatch(messages: readonly Uint8Array[]): number;
  tryReceive(): Uint8Array | undefined;
  tryReceiveView(): Uint8Array | undefined;
  tryReceiveBatch(max: number, into?: Uint8Array[]): Uint8Array[];
  drain(onMessage: (view: Uint8Array) => void, max?: number): number;

  reserve(length: number): Uint8Array | undefined;
  commit(): void;

  sendSync(message: Uint8Array, timeoutMs?: number): void;
  receiveSync(timeoutMs?: number): Uint8Array;

  send(message: Uint8Array, options?: WaitOptions): Promise<void>;
  receive(options?: WaitOptions): Promise<Uint8Array>;

  close(): void;
  release(): void;
}
