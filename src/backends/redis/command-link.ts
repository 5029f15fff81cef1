// A handle's command connection (sends, acks, nacks, groups) and the one retry rule every
// command on it follows: a failure of the connection is tried again — after a real pause, with
// backoff, once ioredis has reconnected — until the caller's deadline; a refusal by the server is
// not. So a producer rides out a restart within its sendTimeoutMs, and nothing waits for ever.
import { abortedError } from '../../deadline.js';
import { BackendError, ChannelClosedError } from '../../errors.js';
import { backendError, type Connection, isTransient, sanitized } from './connections.js';

export class CommandLink {
  constructor(
    readonly connection: Connection,
    private readonly channel: string,
    private readonly display: string,
    /** True once the handle is closing: new work is refused with ChannelClosed. */
    private readonly closing: () => boolean,
  ) {}

  /** The connection, once ready (waiting for it up to `timeoutMs` while it reconnects). */
  async ready(timeoutMs: number): Promise<Connection> {
    const c = this.connection;
    if (!c.ready) await c.waitReady(timeoutMs);
    return c;
  }

  /**
   * Runs `work`, trying again while the server is out of reach, until `untilMs`
   * (performance.now()); then BackendError. `duringClose`: work close() itself does.
   */
  async run<V>(what: string, untilMs: number, signal: AbortSignal | undefined, work: (c: Connection) => Promise<V>, duringClose = false): Promise<V> {
    const c = this.connection;
    for (let backoff = 10; ; backoff = Math.min(500, backoff * 2)) {
      if (this.closing() && !duringClose) throw new ChannelClosedError(`cannot ${what}: the channel is closed; open a new one`, { channel: this.channel });
      if (signal?.aborted) throw abortedError(signal, what, this.channel);
      if (c.ready) {
        try {
          return await work(c);
        } catch (err) {
          if (!isTransient(err)) throw backendError(err, what, this.display, this.channel);
          c.lastError = sanitized(err);
        }
      }
      const left = untilMs - performance.now();
      if (left <= 0) {
        throw new BackendError(
          `${what}: Redis at ${this.display} did not answer in time${c.lastError ? ` (${c.lastError.message})` : ''}; it is down or unreachable — the call may be retried, or raise its timeout`,
          { channel: this.channel, cause: c.lastError },
        );
      }
      await c.pause(Math.min(left, backoff), signal);
    }
  }
}
