// One long-lived group consumer of a channel handle (the receivers' queue, one subscription group,
// or the handle's inbox topic) and what it fetched: a bounded prefetch per assigned partition,
// handed out by takeNext(), with offsets committed in the background up to the highest contiguous
// settled offset of each partition. A rebalance drops what was fetched of a partition this member
// lost (its new owner reads it again from the committed offset) and commits nothing for it again.
import type { BrokerClient, ConsumerSettings, FetchedRecord, GroupConsumer } from './client-seam.js';
import { fromRecord, type KafkaRaw } from './kafka-wire.js';
import { PartitionBuffer, type BufferOwner } from './partition-buffer.js';

/** What a feed needs from its handle. */
export interface FeedContext {
  readonly client: BrokerClient;
  readonly channel: string;
  readonly prefetch: number;
  /** Per-key ordering: a key's next message waits while one of that key is out. */
  readonly perKey: boolean;
  /** Exactly-once: one delivery of a partition out at a time, so a transaction's offset is contiguous. */
  readonly oneAtATime: boolean;
  readonly consumer: Omit<ConsumerSettings, 'groupId' | 'topic' | 'fromBeginning'>;
  readonly connectTimeoutMs: number;
  reportError(error: Error): void;
  setStatus(state: 'connected' | 'reconnecting', error?: Error): void;
}

/** A place deliveries are taken from (a feed, or one inbox of the inbox feed). */
export interface TakeSource {
  /** The subscription group's name as the user gave it; undefined for the receivers' queue and inboxes. */
  readonly group: string | undefined;
  /** The Kafka consumer group the records are committed in. */
  readonly groupId: string;
  readonly drained: boolean;
  takeNext(): KafkaRaw | undefined;
  /** Resolves when a record may have come (or the source closed), or after `ms`. */
  wait(ms: number, signal?: AbortSignal): Promise<void>;
  refresh(): Promise<void>;
}

/** How long a refresh waits for the prefetch to reach what the broker holds (a transaction marker is never fetched). */
const REFRESH_CATCH_UP_MS = 1000;
/** Pause between tries to commit while the group rebalances or the broker is away. */
const COMMIT_RETRY_MS = 200;
/** Pause before a consumer the client gave up on is started again. */
const RESTART_MS = 1000;

export class ConsumerFeed implements TakeSource, BufferOwner {
  private consumer: GroupConsumer | undefined;
  private readonly buffers = new Map<number, PartitionBuffer<KafkaRaw>>();
  private order: PartitionBuffer<KafkaRaw>[] = [];
  private turn = 0;
  private wakers = new Set<() => void>();
  private committing: Promise<void> | undefined;
  private dirty = false;
  private retryTimer: NodeJS.Timeout | undefined;
  private closed = false;
  private readonly startCommitted = new Set<number>();
  private assignedOnce!: () => void;
  /** Resolves at this member's first assignment. */
  readonly assigned = new Promise<void>((resolve) => (this.assignedOnce = resolve));

  constructor(
    private readonly ctx: FeedContext,
    readonly groupId: string,
    readonly group: string | undefined,
    private readonly topic: string,
    private readonly fromBeginning: boolean,
    /** Receivers' queue: published records are skipped (settled, never handed out). */
    private readonly skipPublished: boolean,
    /** Inbox feed: takes a record for an inbox (true), or leaves it here. */
    private readonly route?: (raw: KafkaRaw) => boolean,
    /** A new group's start: these offsets, committed on the first assignment. */
    private readonly startAt?: ReadonlyMap<number, number>,
  ) {}

  get drained(): boolean {
    return this.closed;
  }

  get started(): boolean {
    return this.consumer !== undefined;
  }

  /** Joins the group (once; again after the client gave up on a crashed consumer). */
  start(): void {
    if (this.consumer !== undefined || this.closed) return;
    const consumer = this.ctx.client.consumer(
      { ...this.ctx.consumer, groupId: this.groupId, topic: this.topic, fromBeginning: this.fromBeginning, ...(this.startAt ? { startAt: this.startAt } : {}) },
      {
        // A consumer being replaced may still deliver a batch: only the current one's count.
        assigned: (partitions) => this.consumer === consumer && this.onAssigned(partitions),
        records: (partition, records) => (this.consumer === consumer ? this.onRecords(partition, records) : undefined),
        fetched: () => {
          if (!this.closed && this.consumer === consumer) this.ctx.setStatus('connected');
        },
        lost: (error, restarting) => this.onLost(consumer, error, restarting),
      },
    );
    this.consumer = consumer;
    consumer.start().catch((err: unknown) => this.onLost(consumer, err as Error, false));
  }

  takeNext(): KafkaRaw | undefined {
    if (this.consumer === undefined) this.start();
    const n = this.order.length;
    for (let i = 0; i < n; i++) {
      const buffer = this.order[(this.turn + i) % n]!;
      const raw = buffer.takeEligible(this.ctx.perKey, this.ctx.oneAtATime);
      if (raw === undefined) continue;
      this.turn = (this.turn + i + 1) % n;
      if (buffer.paused && buffer.size <= this.ctx.prefetch / 2) buffer.resume();
      return raw;
    }
    return undefined;
  }

  wait(ms: number, signal?: AbortSignal): Promise<void> {
    if (this.closed || signal?.aborted) return Promise.resolve();
    return new Promise<void>((resolve) => {
      const done = () => {
        clearTimeout(timer);
        signal?.removeEventListener('abort', done);
        this.wakers.delete(done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      signal?.addEventListener('abort', done, { once: true });
      this.wakers.add(done);
    });
  }

  /**
   * Waits (bounded) until this member has fetched what the broker holds now on its partitions:
   * joined, then each assigned partition's fetch position at the end offset read just now.
   */
  async refresh(): Promise<void> {
    if (this.closed) return;
    this.start();
    await Promise.race([this.assigned, sleep(this.ctx.connectTimeoutMs)]);
    let ends: Map<number, [number, number]>;
    let committed: Map<number, number> | undefined;
    try {
      ends = await this.ctx.client.offsets(this.topic);
      if (this.order.some((b) => b.nextOffset === undefined)) committed = await this.ctx.client.committed(this.groupId, this.topic);
    } catch {
      return; // the broker is away: "now" is what this handle has
    }
    const caughtUp = () =>
      this.order.every((b) => {
        const [low, end] = ends.get(b.partition) ?? [0, 0];
        const position = b.nextOffset ?? committed?.get(b.partition) ?? (this.fromBeginning ? low : end);
        return position >= end;
      });
    const until = performance.now() + REFRESH_CATCH_UP_MS;
    while (!this.closed && !caughtUp() && performance.now() < until) await this.wait(20);
  }

  /** A delivery settled (or skipped): its offset may now be committed. */
  settled(buffer: PartitionBuffer, offset: number): void {
    buffer.settle(offset);
    if (!buffer.revoked) this.scheduleCommit();
    this.wakeAll(); // a held key or partition may be free now
  }

  /** Wakes every waiter (a hold was released, the handle is closing). */
  wake(): void {
    this.wakeAll();
  }

  async committed(buffer: PartitionBuffer, offset: number, ms: number): Promise<void> {
    const until = performance.now() + ms;
    while (!this.closed && this.holds(buffer) && (buffer.committed === undefined || buffer.committed <= offset) && performance.now() < until) {
      this.scheduleCommit();
      await (this.committing ?? sleep(COMMIT_RETRY_MS));
      if (this.retryTimer !== undefined) await sleep(COMMIT_RETRY_MS);
    }
  }

  /** Still this member's partition (false once a rebalance or a lost connection took it). */
  holds(buffer: PartitionBuffer): boolean {
    return !buffer.revoked && this.buffers.get(buffer.partition) === buffer;
  }

  /** Commits what is settled, then leaves the group. Unsettled and unfetched records go to the next owner. */
  async stop(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    clearTimeout(this.retryTimer);
    this.wakeAll();
    const consumer = this.consumer;
    try {
      await this.committing;
      await this.commitOnce(false);
    } catch {
      // The broker is away: what was not committed is delivered again (at-least-once).
    }
    for (const b of this.buffers.values()) {
      b.dropWaiting();
      b.resume();
    }
    if (consumer) await consumer.stop().catch(() => {});
  }

  // ---- the consumer's events -------------------------------------------------------------

  private onAssigned(partitions: readonly number[]): void {
    const now = new Set(partitions);
    for (const [p, b] of this.buffers) {
      if (now.has(p)) continue;
      this.revoke(b);
      this.buffers.delete(p);
    }
    for (const p of partitions) {
      if (!this.buffers.has(p)) {
        const buffer = new PartitionBuffer<KafkaRaw>(p, this);
        const start = this.startAt?.get(p);
        if (start !== undefined && !this.startCommitted.has(p)) {
          this.startCommitted.add(p);
          buffer.startFrom(start); // the group's position, committed so it outlives this member
        }
        this.buffers.set(p, buffer);
      }
    }
    this.order = [...this.buffers.values()];
    this.assignedOnce();
    this.ctx.setStatus('connected');
    this.scheduleCommit(); // kept partitions may have settled offsets a failed commit left behind
    this.wakeAll();
  }

  private onRecords(partition: number, records: readonly FetchedRecord[]): void | Promise<void> {
    if (this.closed) return;
    // Records of a partition not assigned now are a stale batch (fetched before a rebalance or a
    // lost connection): taking them would start the partition's ledger above its committed
    // offset, and the records below would then be taken for refetches and skipped — lost.
    const buffer = this.buffers.get(partition);
    if (buffer === undefined) return;
    let skipped = false;
    for (const record of records) {
      const offset = Number(record.offset);
      if (!buffer.admit(offset)) continue;
      const raw = fromRecord(record, this.topic, buffer, (err) => this.ctx.reportError(err));
      const forOther = raw.envelope.forGroup !== undefined && raw.envelope.forGroup !== this.groupId;
      if (forOther || (this.skipPublished && raw.envelope.route === 'publish')) {
        buffer.settle(offset);
        skipped = true;
      } else if (this.route === undefined || !this.route(raw)) {
        if (this.route !== undefined) {
          buffer.settle(offset); // a reply for an inbox that is gone: nobody waits for it
          skipped = true;
        } else buffer.push(raw);
      }
    }
    if (skipped) this.scheduleCommit();
    this.wakeAll();
    if (buffer.size < this.ctx.prefetch) return undefined;
    // Full: the partition's fetch waits until takes bring it below half (or it is revoked, or closed).
    buffer.paused = true;
    return new Promise<void>((resolve) => (buffer.resumeFetch = resolve));
  }

  private onLost(consumer: GroupConsumer, error: Error, restarting: boolean): void {
    if (this.closed || consumer !== this.consumer) return;
    // Out of the group: every partition may be someone else's by now.
    for (const b of this.buffers.values()) this.revoke(b);
    this.buffers.clear();
    this.order = [];
    this.ctx.setStatus('reconnecting', error);
    if (restarting) return;
    this.consumer = undefined;
    void consumer.stop().catch(() => {});
    setTimeout(() => this.start(), RESTART_MS).unref?.();
  }

  private revoke(b: PartitionBuffer): void {
    b.revoked = true;
    b.dropWaiting();
    b.resume();
  }

  // ---- committing --------------------------------------------------------------------------

  private scheduleCommit(): void {
    if (this.closed || this.consumer === undefined) return;
    if (this.committing) {
      this.dirty = true;
      return;
    }
    this.committing = (async () => {
      try {
        do {
          this.dirty = false;
          await this.commitOnce(true);
        } while (this.dirty && !this.closed);
      } finally {
        this.committing = undefined;
      }
    })();
  }

  private async commitOnce(retryLater: boolean): Promise<void> {
    const consumer = this.consumer;
    if (consumer === undefined) return;
    const due: { buffer: PartitionBuffer; point: number }[] = [];
    for (const buffer of this.order) {
      if (buffer.revoked) continue;
      const point = buffer.commitPoint();
      if (point !== undefined && (buffer.committed === undefined || point > buffer.committed)) due.push({ buffer, point });
    }
    if (due.length === 0) return;
    try {
      await consumer.commit(due.map((d) => ({ partition: d.buffer.partition, offset: String(d.point) })));
      for (const d of due) d.buffer.committedTo(d.point);
    } catch (err) {
      // Rebalancing, or the broker is away: the points are kept and tried again.
      if (!retryLater) throw err;
      if (this.retryTimer === undefined && !this.closed) {
        this.retryTimer = setTimeout(() => {
          this.retryTimer = undefined;
          this.scheduleCommit();
        }, COMMIT_RETRY_MS);
      }
    }
  }

  private wakeAll(): void {
    const wakers = this.wakers;
    this.wakers = new Set();
    for (const wake of wakers) wake();
  }
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms).unref?.());
