// The channel handle's producer: sends to one topic share produce requests (Kafka's batch.size
// and linger.ms, as `batchBytes` and `lingerMs`), one request in flight at a time (the idempotent
// producer's rule), and a request that fails because the broker is away is tried again until
// each of its sends reaches its own deadline — so a send resolves only once the broker accepted
// it, waits through a broker restart up to its timeout, and ends at that timeout as Timeout.
import { abortedError } from '../../deadline.js';
import { TimeoutError } from '../../errors.js';
import type { BrokerClient, OutgoingRecord, ProduceSettings } from './client-seam.js';
import { backendError, isRetriable } from './kafka-errors.js';

/** Sends waiting for a produce request: one message, or a chunk of a batch (at most batchBytes). */
interface Pending {
  records: OutgoingRecord[];
  size: number;
  untilMs: number;
  signal: AbortSignal | undefined;
  resolve(): void;
  reject(error: Error): void;
}

export interface ProducerContext {
  readonly client: BrokerClient;
  readonly channel: string;
  readonly settings: ProduceSettings;
  readonly batchBytes: number;
  readonly lingerMs: number;
  readonly secrets: readonly string[];
  setStatus(state: 'connected' | 'reconnecting', error?: Error): void;
}

/** Wait between tries while the broker is away. */
const RETRY_MS = 200;

class TopicQueue {
  pending: Pending[] = [];
  busy = false;
  lingering = false;
}

export class BatchingProducer {
  private readonly topics = new Map<string, TopicQueue>();

  constructor(private readonly ctx: ProducerContext) {}

  /** Resolves once the broker accepted the record (per acks), or rejects at `untilMs` / on `signal`. */
  send(topic: string, record: OutgoingRecord, size: number, untilMs: number, signal: AbortSignal | undefined): Promise<void> {
    if (signal?.aborted) return Promise.reject(abortedError(signal, 'sending', this.ctx.channel));
    return new Promise<void>((resolve, reject) => {
      const q = this.queueOf(topic);
      q.pending.push({ records: [record], size, untilMs, signal, resolve, reject });
      this.kick(topic, q);
    });
  }

  /** Every record in order, in chunks of at most batchBytes (one promise a chunk); resolves once all were accepted. */
  sendAll(topic: string, records: readonly { record: OutgoingRecord; size: number }[], untilMs: number, signal: AbortSignal | undefined): Promise<void> {
    if (signal?.aborted) return Promise.reject(abortedError(signal, 'sending', this.ctx.channel));
    const q = this.queueOf(topic);
    const chunks: Promise<void>[] = [];
    for (let i = 0; i < records.length; ) {
      const chunk: OutgoingRecord[] = [];
      let size = 0;
      while (i < records.length && (chunk.length === 0 || size + records[i]!.size <= this.ctx.batchBytes)) {
        chunk.push(records[i]!.record);
        size += records[i++]!.size;
      }
      chunks.push(new Promise<void>((resolve, reject) => q.pending.push({ records: chunk, size, untilMs, signal, resolve, reject })));
    }
    this.kick(topic, q);
    return Promise.all(chunks).then(() => undefined);
  }

  private queueOf(topic: string): TopicQueue {
    let q = this.topics.get(topic);
    if (q === undefined) this.topics.set(topic, (q = new TopicQueue()));
    return q;
  }

  private kick(topic: string, q: TopicQueue): void {
    if (q.busy || q.lingering) return;
    if (this.ctx.lingerMs > 0) {
      q.lingering = true;
      setTimeout(() => {
        q.lingering = false;
        void this.flush(topic, q);
      }, this.ctx.lingerMs);
      return;
    }
    // After this turn's other sends (a sendBatch, concurrent sends) have joined the queue.
    q.lingering = true;
    queueMicrotask(() => {
      q.lingering = false;
      void this.flush(topic, q);
    });
  }

  private async flush(topic: string, q: TopicQueue): Promise<void> {
    if (q.busy) return;
    q.busy = true;
    try {
      while (q.pending.length > 0) {
        const batch = this.takeBatch(q);
        if (batch.length === 0) continue;
        await this.produce(topic, batch);
      }
    } finally {
      q.busy = false;
      if (q.pending.length > 0) this.kick(topic, q);
      else if (q.pending.length === 0) this.topics.delete(topic);
    }
  }

  /** Up to batchBytes of the oldest pending sends (always at least one); expired or aborted ones are failed here. */
  private takeBatch(q: TopicQueue): Pending[] {
    const batch: Pending[] = [];
    let bytes = 0;
    while (q.pending.length > 0) {
      const next = q.pending[0]!;
      if (this.failIfOver(next)) {
        q.pending.shift();
        continue;
      }
      if (batch.length > 0 && bytes + next.size > this.ctx.batchBytes) break;
      batch.push(q.pending.shift()!);
      bytes += next.size;
    }
    return batch;
  }

  private async produce(topic: string, batch: Pending[]): Promise<void> {
    for (;;) {
      try {
        await this.ctx.client.produce(topic, batch.length === 1 ? batch[0]!.records : batch.flatMap((p) => p.records), this.ctx.settings);
        this.ctx.setStatus('connected');
        for (const p of batch) p.resolve();
        return;
      } catch (err) {
        if (!isRetriable(err)) {
          const error = backendError(`producing ${batch.reduce((n, p) => n + p.records.length, 0)} message(s) to topic '${topic}'`, err, this.ctx.channel, this.ctx.secrets, 'check the topic and the broker log');
          for (const p of batch) p.reject(error);
          return;
        }
        this.ctx.setStatus('reconnecting', err as Error);
        // Still waiting: the sends whose deadline has not passed. The rest fail now.
        batch = batch.filter((p) => !this.failIfOver(p, err));
        if (batch.length === 0) return;
        await new Promise((resolve) => setTimeout(resolve, RETRY_MS));
      }
    }
  }

  /** Fails a send past its deadline or aborted; true when it did. */
  private failIfOver(p: Pending, cause?: unknown): boolean {
    if (p.signal?.aborted) {
      p.reject(abortedError(p.signal, 'sending', this.ctx.channel));
      return true;
    }
    if (performance.now() < p.untilMs) return false;
    const why = cause === undefined ? '' : ` (last: ${String((cause as Error)?.message ?? cause)})`;
    p.reject(new TimeoutError(`the broker did not accept the message before the send's timeout${why}; check that Kafka is running, or raise sendTimeoutMs / timeoutMs`, { channel: this.ctx.channel }));
    return true;
  }
}
