// Writing to streams: sends and publishes through the SEND script (the receivers' capacity
// checked and the waiting count kept in the same step as the XADD; a publish also learns how many
// groups it reached), batches in a few script calls, replies into an inbox stream, the
// drop-oldest eviction, and the wait of a send that found the receivers' queue full.
import type { OutgoingEnvelope } from '../../base/outgoing.js';
import type { Route } from '../../base/transport.js';
import type { CommandLink } from './command-link.js';
import { entryFields, type StreamKeys } from './entries.js';
import { INBOX_MAXLEN } from './inbox.js';
import { INBOX_TAG_FIELD, SCRIPTS } from './scripts.js';

/** Messages per SEND script call of a batch, and the payload bytes one call carries at most. */
const BATCH_MESSAGES = 512;
const BATCH_BYTES = 4 << 20;

export interface SendResult {
  added: number;
  /** The receivers' waiting count after the send. */
  waiting: number;
  /** Subscription groups reached (-1 unless asked). */
  groups: number;
}

/** Between two looks at a full receivers' queue (only the server knows when a receive made room). */
const ROOM_POLL_MS = 20;

export class StreamWriter {
  private readonly roomWaiters = new Set<() => void>();

  constructor(
    private readonly link: CommandLink,
    private readonly keys: StreamKeys,
    private readonly capacity: number,
    private readonly maxLength: number,
    /** Told every waiting count the server reports. */
    private readonly onWaiting: (waiting: number) => void,
  ) {}

  /** One SEND script call: adds `messages` in order until the receivers' queue is full. */
  async send(messages: readonly OutgoingEnvelope[], route: Route, untilMs: number, signal: AbortSignal | undefined, countGroups: boolean): Promise<SendResult> {
    const args: (string | number | Buffer)[] = [this.capacity, this.maxLength, countGroups ? 1 : 0];
    for (const m of messages) {
      const fields = entryFields(m, route);
      args.push(route === 'send' ? 's' : 'p', fields.length, ...fields);
    }
    const [added, waiting, groups] = (await this.link.run(route === 'send' ? 'send' : 'publish', untilMs, signal, (c) =>
      SCRIPTS.send.run(c.redis, [this.keys.stream, this.keys.waiting], args),
    )) as [number, number, number];
    this.onWaiting(waiting);
    return { added, waiting, groups };
  }

  /** A batch of sends, in chunks; resolves how many went in before the receivers' queue was full. */
  async sendMany(messages: readonly OutgoingEnvelope[], untilMs: number, signal: AbortSignal | undefined): Promise<number> {
    let done = 0;
    while (done < messages.length) {
      let end = done;
      let bytes = 0;
      while (end < messages.length && end - done < BATCH_MESSAGES && (end === done || bytes + messages[end]!.size <= BATCH_BYTES)) bytes += messages[end++]!.size;
      const chunk = end - done;
      const { added } = await this.send(messages.slice(done, end), 'send', untilMs, signal, false);
      done += added;
      if (added < chunk) break; // the receivers' queue is full: the shared layer takes it from here
    }
    return done;
  }

  /** A reply into a request's inbox stream — only if the inbox still exists (NOMKSTREAM). */
  async reply(message: OutgoingEnvelope, stream: string, tag: string, untilMs: number, signal: AbortSignal | undefined): Promise<void> {
    const fields = [...entryFields(message, 'send'), INBOX_TAG_FIELD, tag];
    await this.link.run('send a reply', untilMs, signal, (c) => c.redis.callBuffer('XADD', stream, 'NOMKSTREAM', 'MAXLEN', '~', INBOX_MAXLEN, '*', ...fields));
  }

  /** A short wait before the next look at a full queue; wakeSenders() (an ack, a read, close) ends it early. */
  waitForRoom(untilMs: number, signal: AbortSignal | undefined): Promise<void> {
    const ms = Math.max(0, Math.min(untilMs - performance.now(), ROOM_POLL_MS));
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        signal?.removeEventListener('abort', done);
        this.roomWaiters.delete(done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      signal?.addEventListener('abort', done, { once: true });
      this.roomWaiters.add(done);
    });
  }

  wakeSenders(): void {
    for (const wake of [...this.roomWaiters]) wake();
  }

  /** drop-oldest: the receivers' group settles the oldest send it has not read. */
  async evictOldest(consumer: string): Promise<boolean> {
    const evicted = await this.link.run('evict the oldest message', Infinity, undefined, (c) => SCRIPTS.evict.run(c.redis, [this.keys.stream, this.keys.waiting], [consumer]));
    return evicted === 1;
  }
}
