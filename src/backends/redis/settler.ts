// Settling entries underneath the shared layer's decisions: acks (only of entries this consumer
// still owns, so an entry another consumer claimed after its deadline is no longer this one's to
// settle), batched — every ack asked for in one tick goes to the server in one ACK script per
// source — and requeues (REQUEUE: ack, then a copy into the group's retry stream, now or after a
// delay, keeping the message id).
import { BackendError } from '../../errors.js';
import type { CommandLink } from './command-link.js';
import type { GroupSource, RedisRaw } from './redis-places.js';
import { SCRIPTS } from './scripts.js';

interface AckBatch {
  pairs: (string | number)[];
  settle: ((owned: boolean) => void)[];
  fail: ((error: Error) => void)[];
}

export class EntrySettler {
  private readonly batches = new Map<GroupSource, AckBatch>();
  private scheduled = false;

  constructor(
    private readonly link: CommandLink,
    private readonly channel: string,
    /** How long an ack may wait for a server that is away. */
    private readonly ackPatienceMs: number,
    private readonly reportError: (error: Error) => void,
    /** After acks went through: a sender waiting for room may try again. */
    private readonly onAcked: () => void,
  ) {}

  /** Acks the entry if this consumer still owns it; resolves whether it did. */
  ack(raw: RedisRaw): Promise<boolean> {
    const source = raw.source;
    if (source.kind === 'inbox') return Promise.resolve(true);
    return new Promise((resolve, reject) => {
      let batch = this.batches.get(source);
      if (batch === undefined) this.batches.set(source, (batch = { pairs: [], settle: [], fail: [] }));
      batch.pairs.push(raw.slot, raw.entryId);
      batch.settle.push(resolve);
      batch.fail.push(reject);
      if (!this.scheduled) {
        this.scheduled = true;
        queueMicrotask(() => void this.flush(performance.now() + this.ackPatienceMs));
      }
    });
  }

  /** An ack nobody waits for (at-most-once hand-out, receive(), a discarded message): failures are reported. */
  ackInBackground(raw: RedisRaw): void {
    this.ack(raw).catch((err: unknown) => this.reportError(err as Error));
  }

  /** Sends every ack asked for so far; an ack the server cannot take by `untilMs` fails. */
  async flush(untilMs: number): Promise<void> {
    this.scheduled = false;
    const batches = [...this.batches];
    this.batches.clear();
    await Promise.all(
      batches.map(async ([source, batch]) => {
        try {
          const owned = (await this.link.run(
            'ack',
            untilMs,
            undefined,
            (c) => SCRIPTS.ack.run(c.redis, [source.keys.stream, source.retryKey], [source.group, source.consumer, ...batch.pairs]),
            true,
          )) as number[];
          batch.settle.forEach((settle, i) => settle(owned[i] === 1));
          this.onAcked();
        } catch (err) {
          for (const fail of batch.fail) fail(err as Error);
        }
      }),
    );
  }

  /**
   * Acks the entry and copies it (carrying `deliveryCount`) into its group's retry stream, now or
   * once `delayMs` has passed. False when this consumer no longer owns it.
   */
  async requeue(raw: RedisRaw, deliveryCount: number, delayMs: number, untilMs: number, duringClose = false): Promise<boolean> {
    const source = raw.source as GroupSource;
    const inRetry = raw.slot === 2;
    const reply = await this.link.run(
      'nack',
      untilMs,
      undefined,
      (c) =>
        SCRIPTS.requeue.run(c.redis, [inRetry ? source.retryKey : source.keys.stream, source.retryKey, source.delayKey], [
          source.group,
          source.consumer,
          raw.entryId,
          deliveryCount,
          Math.ceil(delayMs),
          inRetry ? 1 : 0,
        ]),
      duringClose,
    );
    if (reply === -1) {
      this.reportError(new BackendError(`message ${raw.message.id} was trimmed from stream '${source.keys.stream}' (maxLength) before it could be redelivered; it is gone`, { channel: this.channel }));
    }
    return reply === 1 || reply === -1;
  }
}
