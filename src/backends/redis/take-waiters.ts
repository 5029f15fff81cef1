// Receivers waiting for a message of one source (a group's reader, an inbox), in arrival order.
// A reader fills a buffer; serve() hands its entries to the waiters first come, first served, and
// what is left stays in the buffer for the next take. A waiter gives up when its slice ends
// (resolving undefined: the shared receive loop then decides between waiting on and Timeout) or
// when its signal fires (Aborted), and leaves nothing behind on the signal.
import { abortedError } from '../../deadline.js';

interface Waiter<R> {
  resolve(raw: R | undefined): void;
  reject(error: Error): void;
  /** performance.now() at which the slice ends. */
  until: number;
}

export class TakeWaiters<R> {
  private readonly list: Waiter<R>[] = [];

  constructor(private readonly channel: string) {}

  get size(): number {
    return this.list.length;
  }

  /** Waits up to `sliceMs` for serve() to hand over one. */
  wait(sliceMs: number, signal: AbortSignal | undefined): Promise<R | undefined> {
    if (signal?.aborted) return Promise.reject(abortedError(signal, 'waiting for a message', this.channel));
    return new Promise<R | undefined>((resolve, reject) => {
      const finish = () => {
        clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
        const at = this.list.indexOf(waiter);
        if (at >= 0) this.list.splice(at, 1);
      };
      const onAbort = () => {
        finish();
        reject(abortedError(signal!, 'waiting for a message', this.channel));
      };
      const waiter: Waiter<R> = {
        until: performance.now() + sliceMs,
        resolve: (raw) => {
          finish();
          resolve(raw);
        },
        reject: (error) => {
          finish();
          reject(error);
        },
      };
      const timer = setTimeout(() => waiter.resolve(undefined), sliceMs);
      signal?.addEventListener('abort', onAbort, { once: true });
      this.list.push(waiter);
    });
  }

  /** Hands the buffer's first entries to the waiters, oldest waiter first. */
  serve(buffer: R[]): void {
    while (this.list.length > 0 && buffer.length > 0) this.list[0]!.resolve(buffer.shift());
  }

  /** Ms until the last waiter's slice ends (0 with none). */
  longestRemaining(): number {
    let until = 0;
    for (const w of this.list) until = Math.max(until, w.until);
    return Math.max(0, until - performance.now());
  }

  /** Every waiter resolves with nothing (the source closed: the receive loop then says ChannelClosed). */
  releaseAll(): void {
    for (const w of [...this.list]) w.resolve(undefined);
  }

  /** Every waiter fails with `error` (the source broke for good). */
  failAll(error: Error): void {
    for (const w of [...this.list]) w.reject(error);
  }
}
