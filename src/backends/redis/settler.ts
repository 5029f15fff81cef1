// Settling entries underneath the shared layer's decisions: acks (only of entries this consumer
// still owns, so an entry another consumer claimed after its deadline is no longer this one's to
// settle), batched — every ack asked for in one tick goes to the server in one ACK script per
// source — and requeues (REQUEUE: ack, then a copy into the group's retry stream, now or after a
// delay, keeping the message id).
import { BackendError } from '../../errors.js';
import type { CommandLink } from './command-link.js';
import type { Connection } from './connections.js';
import type { GroupSource, RedisRaw } from './redis-places.js';
import { SCRIPTS } from './scripts.js';

interface PendingAck {
  raw: RedisRaw;
  settle: (owned: boolean) => void;
  fail: (error: Error) => void;
}

/** Below the claim time by this much, an entry is surely still this consumer's (timer granularity). */
const OWN_MARGIN_MS = 5;

export class EntrySettler {
  private readonly batches = new Map<GroupSource, PendingAck[]>();
  private scheduled = false;

  constructor(
    private readonly link: CommandLink,
    private readonly channel: string,
    /** How long an ack may wait for a server that is away. */
    private readonly ackPatienceMs: number,
    /** The claim time of the handle's group readers (0: no claims here, every ack checks). */
    private readonly claimIdleMs: number,
    private readonly reportError: (error: Error) => void,
    /** After acks went through (with the receivers' waiting count when the acks lowered it): a sender waiting for room may try again. */
    private readonly onAcked: (waiting: number) => void,
  ) {}

  /** Acks the entry if this consumer still owns it; resolves whether it did. */
  ack(raw: RedisRaw): Promise<boolean> {
    const source = raw.source;
    if (source.kind === 'inbox') return Promise.resolve(true);
    return new Promise((settle, fail) => {
      let batch = this.batches.get(source);
      if (batch === undefined) this.batches.set(source, (batch = []));
      batch.push({ raw, settle, fail });
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

  /**
   * Sends every ack asked for so far, one script per source and kind; an ack the server cannot
   * take by `untilMs` fails. An entry read less than the claim time ago cannot have been claimed
   * by another consumer (its idle time on the server is at most that): it is acked as it is, with
   * plain XACKs. An older one is acked only if this consumer still owns it (the ACK script).
   */
  async flush(untilMs: number): Promise<void> {
    this.scheduled = false;
    const batches = [...this.batches];
    this.batches.clear();
    const safeAfter = performance.now() - (this.claimIdleMs - OWN_MARGIN_MS);
    const work: Promise<void>[] = [];
    for (const [source, acks] of batches) {
      const own = this.claimIdleMs > OWN_MARGIN_MS ? acks.filter((a) => a.raw.readAt > safeAfter) : [];
      const checked = own.length === acks.length ? [] : acks.filter((a) => !own.includes(a));
      if (own.length > 0) work.push(this.send(own, untilMs, (c) => this.ackOwn(c, source, own)));
      if (checked.length > 0) {
        const pairs: (string | number)[] = [];
        for (const a of checked) pairs.push(a.raw.slot, a.raw.entryId);
        work.push(this.send(checked, untilMs, (c) => SCRIPTS.ack.run(c.redis, [source.keys.stream, source.retryKey], [source.group, source.consumer, ...pairs]) as Promise<number[]>));
      }
    }
    await Promise.all(work);
  }

  private async send(acks: PendingAck[], untilMs: number, run: (c: Connection) => Promise<number[]>): Promise<void> {
    try {
      const owned = await this.link.run('ack', untilMs, undefined, run, true);
      acks.forEach((a, i) => a.settle(owned[i] === 1));
      this.onAcked(-1);
    } catch (err) {
      for (const a of acks) a.fail(err as Error);
    }
  }

  /**
   * Acks entries surely still this consumer's: plain XACKs (a retry stream's entries are deleted
   * too — one group reads it), sent together in one write; for the receivers with sends the
   * waiting counter does not know of yet, ACK_TAKEN, which also lowers it.
   */
  private async ackOwn(c: Connection, source: GroupSource, acks: readonly PendingAck[]): Promise<number[]> {
    const main: string[] = [];
    const retry: string[] = [];
    for (const a of acks) (a.raw.slot === 2 ? retry : main).push(a.raw.entryId);
    if (source.untaken > 0) {
      await this.lowerWaiting(c, source, main, retry);
    } else {
      const sent: Promise<unknown>[] = [];
      if (main.length > 0) sent.push(c.redis.xack(source.keys.stream, source.group, ...main));
      if (retry.length > 0) sent.push(c.redis.xack(source.retryKey, source.group, ...retry), c.redis.xdel(source.retryKey, ...retry));
      await Promise.all(sent);
    }
    return acks.map(() => 1);
  }

  /** Lowers the receivers' waiting counter by the sends blocking reads took, if any (close()). */
  async countTaken(source: GroupSource, untilMs: number): Promise<void> {
    if (source.untaken === 0) return;
    await this.link.run('count the sends taken', untilMs, undefined, (c) => this.lowerWaiting(c, source, [], []), true).catch((err: unknown) => this.reportError(err as Error));
  }

  private async lowerWaiting(c: Connection, source: GroupSource, main: readonly string[], retry: readonly string[]): Promise<void> {
    const untaken = source.untaken;
    source.untaken = 0;
    try {
      const waiting = (await SCRIPTS.ackTaken.run(c.redis, [source.keys.stream, source.retryKey, source.keys.waiting], [source.group, untaken, main.length, ...main, ...retry])) as number;
      this.onAcked(waiting);
    } catch (err) {
      source.untaken += untaken; // a count too high heals itself (READ resets it when caught up)
      throw err;
    }
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
