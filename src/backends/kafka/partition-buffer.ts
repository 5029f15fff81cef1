// One assigned partition of one consumer: the records fetched and not yet handed out (the
// prefetch, bounded by pausing the partition), the ledger of every offset fetched with whether it
// is settled, and — under per-key ordering — the keys whose message is out unsettled.
//
// Offsets are committed only up to the highest CONTIGUOUS settled offset: acks may come in any
// order, and committing past an unsettled record would lose it if this consumer died. Offsets are
// not consecutive integers (transaction markers take some, read-committed skips aborted records),
// so "contiguous" is over the offsets actually fetched, in fetch order.
/** What the buffer needs of a record: its message id and ordering key (kafka-wire.ts's KafkaRaw). */
export interface BufferedRecord {
  readonly id: string;
  readonly key: string | undefined;
}

/** The consumer a partition buffer belongs to: settling goes through it (it commits). */
export interface BufferOwner {
  settled(buffer: PartitionBuffer, offset: number): void;
  holds(buffer: PartitionBuffer): boolean;
  /** Resolves once `offset` is committed (or the partition is no longer this member's), at most `ms` later. */
  committed(buffer: PartitionBuffer, offset: number, ms: number): Promise<void>;
}

export class PartitionBuffer<R extends BufferedRecord = BufferedRecord> {
  /** Fetched, not handed out, in offset order (`head` is the first live index). */
  private queue: (R | undefined)[] = [];
  private head = 0;
  private waiting = 0;
  /** Every offset fetched and not yet committable, in order, with its settled flag. */
  private ledger: { offset: number; settled: boolean }[] = [];
  private ledgerHead = 0;
  private readonly entries = new Map<number, { offset: number; settled: boolean }>();
  /** The next offset the fetch should bring; anything lower is a refetch of what we hold. */
  nextOffset: number | undefined;
  /** The highest next-offset committed by this member. */
  committed: number | undefined;
  /** Set once the group took the partition from this member: settling it commits nothing. */
  revoked = false;
  /** Its fetch is held because the prefetch is full (resumeFetch lets it go on). */
  paused = false;
  resumeFetch: (() => void) | undefined;
  /** Deliveries of this partition out and unsettled (exactly-once hands out one at a time). */
  outstanding = 0;
  /** Per-key ordering: key -> id of the message of that key that is out (or coming back). */
  readonly heldKeys = new Map<string, string>();

  constructor(
    readonly partition: number,
    readonly owner: BufferOwner,
  ) {}

  get size(): number {
    return this.waiting;
  }

  /** A fetched record: false when it is a refetch of one this member already has. */
  admit(offset: number): boolean {
    if (this.nextOffset !== undefined && offset < this.nextOffset) return false;
    this.nextOffset = offset + 1;
    const entry = { offset, settled: false };
    this.ledger.push(entry);
    this.entries.set(offset, entry);
    return true;
  }

  push(raw: R): void {
    this.queue.push(raw);
    this.waiting++;
  }

  /**
   * The first record that may be handed out now: under `perKey`, one whose key is not held by
   * another message; under `oneAtATime`, none while one is out.
   */
  takeEligible(perKey: boolean, oneAtATime: boolean): R | undefined {
    if (this.waiting === 0 || (oneAtATime && this.outstanding > 0)) return undefined;
    for (let i = this.head; i < this.queue.length; i++) {
      const raw = this.queue[i];
      if (raw === undefined) continue;
      if (perKey && raw.key !== undefined) {
        const holder = this.heldKeys.get(raw.key);
        if (holder !== undefined && holder !== raw.id) continue;
      }
      this.queue[i] = undefined;
      this.waiting--;
      this.compact();
      return raw;
    }
    return undefined;
  }

  /** Marks a fetched offset settled (acked, requeued as a copy, dead-lettered, skipped). */
  settle(offset: number): void {
    const entry = this.entries.get(offset);
    if (entry !== undefined) entry.settled = true;
  }

  /** The next offset to commit, when it moved past what was committed; else undefined. */
  commitPoint(): number | undefined {
    let point: number | undefined;
    while (this.ledgerHead < this.ledger.length && this.ledger[this.ledgerHead]!.settled) {
      const entry = this.ledger[this.ledgerHead++]!;
      this.entries.delete(entry.offset);
      point = entry.offset + 1;
    }
    if (this.ledgerHead > 1024 && this.ledgerHead * 2 > this.ledger.length) {
      this.ledger = this.ledger.slice(this.ledgerHead);
      this.ledgerHead = 0;
    }
    if (point === undefined) return this.pendingPoint;
    this.pendingPoint = point;
    return point;
  }

  /** A commit point found but not yet committed (kept across a failed commit). */
  private pendingPoint: number | undefined;

  /** A new group's start on this partition: the position fetching begins at, to be committed. */
  startFrom(offset: number): void {
    this.nextOffset = offset;
    this.pendingPoint = offset;
  }

  committedTo(point: number): void {
    this.committed = point;
    if (this.pendingPoint === point) this.pendingPoint = undefined;
  }

  /** Lets a held fetch go on. */
  resume(): void {
    this.paused = false;
    const go = this.resumeFetch;
    this.resumeFetch = undefined;
    go?.();
  }

  /** Drops what is fetched and not handed out (the partition was revoked, or the handle closes). */
  dropWaiting(): void {
    this.queue = [];
    this.head = 0;
    this.waiting = 0;
  }

  private compact(): void {
    while (this.head < this.queue.length && this.queue[this.head] === undefined) this.head++;
    if (this.head > 256 && this.head * 2 > this.queue.length) {
      this.queue = this.queue.slice(this.head);
      this.head = 0;
    }
  }
}
