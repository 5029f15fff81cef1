// Request/reply inboxes. A handle that makes requests gets one inbox topic of its own,
// `<channel>.ps-inbox-<token>` (one partition), created on the first request and deleted with
// the handle, read by one consumer of the group of the same name from the beginning — so a reply
// produced before that consumer has joined is not missed. Each request's inbox is a token: its
// address is `<inbox topic>#<token>` and a reply to it is produced to the inbox topic with the
// token as its record key; the consumer hands each reply to the inbox its key names (a reply for
// an inbox that was closed is skipped).
import { randomToken } from '../../ids.js';
import type { Inbox } from '../../base/transport.js';
import { ConsumerFeed, type FeedContext, type TakeSource } from './consumer-feed.js';
import type { KafkaRaw } from './kafka-wire.js';

export class InboxSource implements TakeSource {
  readonly group = undefined;
  private queue: KafkaRaw[] = [];
  private wakers = new Set<() => void>();
  private closed = false;

  constructor(
    private readonly feed: ConsumerFeed,
    readonly address: string,
  ) {}

  get groupId(): string {
    return this.feed.groupId;
  }

  get drained(): boolean {
    return this.closed || this.feed.drained;
  }

  put(raw: KafkaRaw): void {
    this.queue.push(raw);
    for (const wake of this.wakers) wake();
  }

  takeNext(): KafkaRaw | undefined {
    return this.queue.shift();
  }

  wait(ms: number, signal?: AbortSignal): Promise<void> {
    if (this.drained) return Promise.resolve();
    // The feed wakes on every record it fetches; an inbox also wakes on its own puts.
    return new Promise<void>((resolve) => {
      const done = () => {
        this.wakers.delete(done);
        resolve();
      };
      this.wakers.add(done);
      void this.feed.wait(ms, signal).then(done);
    });
  }

  refresh(): Promise<void> {
    return this.feed.refresh();
  }

  /** Closes the inbox; replies still waiting in it are settled (nobody will read them). */
  close(): KafkaRaw[] {
    this.closed = true;
    const left = this.queue;
    this.queue = [];
    for (const wake of this.wakers) wake();
    return left;
  }
}

export class KafkaInboxes {
  private readonly byToken = new Map<string, InboxSource>();
  private feed: ConsumerFeed | undefined;
  private ready: Promise<void> | undefined;
  readonly topic: string;

  constructor(
    private readonly ctx: FeedContext,
    channel: string,
    private readonly createTopic: (topic: string) => Promise<void>,
  ) {
    this.topic = `${channel}.ps-inbox-${randomToken(12)}`;
  }

  /** The topic exists, its consumer runs: a new inbox on it. */
  async open(): Promise<Inbox<InboxSource>> {
    this.ready ??= (async () => {
      await this.createTopic(this.topic);
      this.feed = new ConsumerFeed(this.ctx, this.topic, undefined, this.topic, true, false, (raw) => this.route(raw));
      this.feed.start();
    })();
    try {
      await this.ready;
    } catch (err) {
      this.ready = undefined;
      throw err;
    }
    const token = randomToken(16);
    const address = `${this.topic}#${token}`;
    const source = new InboxSource(this.feed!, address);
    this.byToken.set(token, source);
    return {
      source,
      address,
      close: () => {
        this.byToken.delete(token);
        for (const raw of source.close()) this.feed!.settled(raw.buffer, raw.offset);
      },
    };
  }

  /** The inbox topic and record key an address names, if it is an inbox address. */
  static parse(address: string): { topic: string; token: string } | undefined {
    const at = address.lastIndexOf('#');
    if (at <= 0 || !address.slice(0, at).includes('.ps-inbox-')) return undefined;
    return { topic: address.slice(0, at), token: address.slice(at + 1) };
  }

  get feedOf(): ConsumerFeed | undefined {
    return this.feed;
  }

  /** Stops the inbox consumer; the caller deletes the topic and group. */
  async stop(): Promise<boolean> {
    for (const source of this.byToken.values()) source.close();
    this.byToken.clear();
    if (this.feed === undefined) return false;
    await this.feed.stop();
    return true;
  }

  private route(raw: KafkaRaw): boolean {
    const token = raw.recordKey;
    const inbox = token === undefined ? undefined : this.byToken.get(token);
    if (inbox === undefined) return false;
    inbox.put(raw);
    return true;
  }
}
