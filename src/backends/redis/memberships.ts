// The consumer groups a handle reads, as one consumer each: making them (XGROUP CREATE …
// MKSTREAM on the stream and on the group's retry stream — the receivers' group from the
// stream's start, a subscription group from now, an existing group resumes where it was), and
// leaving them (entries read but never handed out go back as they were; the consumer is removed
// once it holds nothing pending; an ungrouped subscriber's group ends).
import { RECEIVERS_GROUP, RESERVED_GROUP_PREFIX } from '../../base/subscription.js';
import { randomToken } from '../../ids.js';
import type { CommandLink } from './command-link.js';
import type { StreamKeys } from './entries.js';
import { GroupSource } from './redis-places.js';
import { SCRIPTS } from './scripts.js';
import type { EntrySettler } from './settler.js';

export class Memberships {
  /** Every group source of the handle, the receivers' included, until it leaves. */
  readonly sources = new Set<GroupSource>();
  readonly receivers: GroupSource;
  private count = 0;

  constructor(
    private readonly link: CommandLink,
    private readonly settler: EntrySettler,
    private readonly channel: string,
    private readonly keys: StreamKeys,
    private readonly consumerBase: string,
    private readonly patienceMs: number,
    /** Told the receivers' waiting count when a join reads it. */
    private readonly onWaiting: (waiting: number) => void,
  ) {
    this.receivers = this.source(RECEIVERS_GROUP, consumerBase, true, undefined, false);
  }

  /** A subscription: the named group, or a group of its own (`ps-solo-<token>`). */
  async subscribe(group: string | undefined): Promise<GroupSource> {
    const n = ++this.count;
    const consumer = `${this.consumerBase}-s${n}`;
    const source =
      group === undefined
        ? this.source(`${RESERVED_GROUP_PREFIX}solo-${randomToken(16)}`, consumer, false, undefined, true)
        : this.source(group, consumer, false, group, false);
    try {
      await this.join(source);
    } catch (err) {
      this.sources.delete(source);
      throw err;
    }
    return source;
  }

  /** Makes the source's group on both its streams (unless it exists). */
  async join(source: GroupSource): Promise<void> {
    const startId = source.receivers ? '0' : '$';
    const [, waiting] = (await this.link.run('join a group', performance.now() + this.patienceMs, undefined, (c) =>
      SCRIPTS.join.run(c.redis, [this.keys.stream, source.retryKey, this.keys.waiting], [source.group, startId]),
    )) as [number, number];
    if (source.receivers) this.onWaiting(waiting);
  }

  /** Leaves the group: buffered entries back, then the consumer (or a solo group) removed. */
  async leave(source: GroupSource, untilMs: number): Promise<void> {
    await this.giveBack(source, untilMs);
    this.sources.delete(source);
    await this.link.run(
      'leave a group',
      untilMs,
      undefined,
      (c) => SCRIPTS.leave.run(c.redis, [this.keys.stream, source.retryKey, source.delayKey], [source.group, source.consumer, source.solo ? 1 : 0]),
      true,
    );
  }

  /** Entries read but never handed out go back to their group, their count unchanged. */
  private async giveBack(source: GroupSource, untilMs: number): Promise<void> {
    const buffered = source.buffer.splice(0);
    if (source.solo) return; // the group ends with its one member
    await Promise.all(buffered.map((raw) => this.settler.requeue(raw, raw.message.deliveryCount, 0, untilMs, true).catch(() => false)));
  }

  private source(group: string, consumer: string, receivers: boolean, userGroup: string | undefined, solo: boolean): GroupSource {
    const source = new GroupSource(this.channel, this.keys, group, consumer, receivers, userGroup, solo);
    this.sources.add(source);
    return source;
  }
}
