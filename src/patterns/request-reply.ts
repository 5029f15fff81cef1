// Request/reply over two channels and nothing but the contract: a Requester sends to a requests
// channel with a fresh correlation id and its own replies channel's name as `replyTo`, and one
// loop reads every reply, matching each to its waiting request by correlation id — so any number
// of requests are out at once over one replies channel (the contract's own request() opens an
// inbox per request instead). A Responder takes requests, runs the handler and answers with
// `reply()` (which finds the replies channel by name), then acks the request.
//
// Each request has a timeout and may be cancelled by an AbortSignal; a reply that comes after
// its request timed out or was cancelled is counted as late and dropped. A handler that throws
// answers with the error's name and message in headers, and the request rejects with RemoteError.
//
// In-memory channels are found by name within one thread: there, Requester and Responder must
// share a thread (across threads use the contract's channel.request(), whose inbox address
// crosses threads). Broker channels are found by name anywhere.
import type { Channel, Delivery, Headers, Message } from '../channel.js';
import { abortedError } from '../deadline.js';
import { ChannelClosedError, InvalidConfigurationError, TimeoutError, isChannelError } from '../errors.js';
import { randomToken } from '../ids.js';
import { ConsumerLoop, type ConsumerOptions } from './consumer-loop.js';
import { checkConcurrency } from './delivery-source.js';

/** Headers of a reply whose handler threw. */
export const REPLY_ERROR_HEADERS = { name: 'reply-error-name', message: 'reply-error-message' } as const;

/** The responder's handler threw: its error's name and message, carried back. */
export class RemoteError extends Error {
  readonly code = 'RemoteError';
  constructor(name: string, message: string, readonly reply: Message) {
    super(message);
    this.name = name;
  }
}

export interface RequestOptions {
  /** Default: the Requester's timeoutMs. */
  timeoutMs?: number;
  signal?: AbortSignal;
  headers?: Headers;
  key?: string;
}

export interface RequesterStats {
  /** Requests waiting for their reply. */
  pending: number;
  replied: number;
  timedOut: number;
  cancelled: number;
  /** Replies that came for no waiting request (after its timeout or cancellation). */
  late: number;
}

interface Waiting {
  resolve(reply: Message): void;
  reject(error: Error): void;
  timer: NodeJS.Timeout | undefined;
  signal: AbortSignal | undefined;
  onAbort: (() => void) | undefined;
}

export class Requester {
  private readonly waiting = new Map<string, Waiting>();
  private readonly counts = { replied: 0, timedOut: 0, cancelled: 0, late: 0 };
  private readonly replyLoop: ConsumerLoop;
  private closed = false;

  /** `replies` is this requester's own channel: it reads every message sent there. */
  constructor(
    private readonly requests: Channel,
    private readonly replies: Channel,
    private readonly options: { timeoutMs?: number } = {},
  ) {
    const timeoutMs = options.timeoutMs ?? 30_000;
    if (!(typeof timeoutMs === 'number' && timeoutMs > 0)) throw new InvalidConfigurationError(`Requester option timeoutMs is ${String(timeoutMs)}; use a number of ms > 0`);
    this.replyLoop = new ConsumerLoop((o) => replies.receiveDelivery(o), (d) => this.onReply(d), 64, {});
  }

  request(data: Uint8Array, options: RequestOptions = {}): Promise<Message> {
    if (this.closed) return Promise.reject(new ChannelClosedError('this Requester is closed; make a new one'));
    const signal = options.signal;
    if (signal?.aborted) return Promise.reject(abortedError(signal, 'before the request was sent', this.requests.name));
    const timeoutMs = options.timeoutMs ?? this.options.timeoutMs ?? 30_000;
    const correlationId = randomToken(20);
    return new Promise<Message>((resolve, reject) => {
      const entry: Waiting = { resolve, reject, timer: undefined, signal, onAbort: undefined };
      this.waiting.set(correlationId, entry);
      if (Number.isFinite(timeoutMs)) {
        entry.timer = setTimeout(() => {
          this.counts.timedOut++;
          this.forget(correlationId)?.reject(new TimeoutError(`no reply within ${timeoutMs} ms to request ${correlationId}; check that a Responder is running on '${this.requests.name}', or raise timeoutMs`, { channel: this.requests.name }));
        }, timeoutMs);
      }
      if (signal) {
        entry.onAbort = () => {
          this.counts.cancelled++;
          this.forget(correlationId)?.reject(abortedError(signal, 'waiting for the reply', this.requests.name));
        };
        signal.addEventListener('abort', entry.onAbort, { once: true });
      }
      this.requests
        .send(data, { correlationId, replyTo: this.replies.name, headers: options.headers, key: options.key, signal })
        .catch((err: unknown) => this.forget(correlationId)?.reject(err as Error));
    });
  }

  stats(): RequesterStats {
    return { pending: this.waiting.size, ...this.counts };
  }

  /** Rejects what is still waiting with ChannelClosed and stops reading replies (the channels stay open). */
  async close(): Promise<void> {
    this.closed = true;
    for (const id of [...this.waiting.keys()]) this.forget(id)?.reject(new ChannelClosedError('the Requester was closed before the reply came'));
    await this.replyLoop.stop();
  }

  private onReply(reply: Delivery): void {
    const entry = reply.correlationId === undefined ? undefined : this.forget(reply.correlationId);
    if (entry === undefined) {
      this.counts.late++;
      return;
    }
    this.counts.replied++;
    const errorName = reply.headers[REPLY_ERROR_HEADERS.name];
    if (errorName !== undefined) entry.reject(new RemoteError(errorName, reply.headers[REPLY_ERROR_HEADERS.message] ?? '', reply));
    else entry.resolve(reply);
  }

  private forget(correlationId: string): Waiting | undefined {
    const entry = this.waiting.get(correlationId);
    if (entry === undefined) return undefined;
    this.waiting.delete(correlationId);
    if (entry.timer) clearTimeout(entry.timer);
    if (entry.onAbort) entry.signal!.removeEventListener('abort', entry.onAbort);
    return entry;
  }
}

export type RequestHandler = (request: Delivery) => Uint8Array | Promise<Uint8Array>;

export class Responder {
  private readonly loop: ConsumerLoop;

  constructor(requests: Channel, handler: RequestHandler, options: ConsumerOptions = {}) {
    const concurrency = checkConcurrency(options.concurrency ?? 1, 'Responder');
    this.loop = new ConsumerLoop(
      (o) => requests.receiveDelivery(o),
      async (request) => {
        if (request.replyTo === undefined) {
          await request.deadLetter('a request without replyTo: nowhere to answer');
          return;
        }
        let answer: Uint8Array;
        let headers: Headers | undefined;
        try {
          answer = await handler(request);
        } catch (err) {
          const e = err instanceof Error ? err : new Error(String(err));
          answer = new Uint8Array(0);
          headers = { [REPLY_ERROR_HEADERS.name]: e.name, [REPLY_ERROR_HEADERS.message]: e.message };
        }
        try {
          await requests.reply(request, answer, { headers });
        } catch (err) {
          if (isChannelError(err, 'ChannelClosed')) return; // the requester went away: nothing to answer
          throw err;
        }
      },
      concurrency,
      options,
    );
  }

  get done(): Promise<void> {
    return this.loop.done;
  }

  stop(): Promise<void> {
    return this.loop.stop();
  }
}
