// Worker-thread side helpers for bench roles: a promise-based inbox over parentPort, and reply().
import { parentPort, type TransferListItem } from 'node:worker_threads';

const port = parentPort;
const queued: unknown[] = [];
let waiting: ((m: unknown) => void) | undefined;
let listening = false;

/**
 * The next message from the main thread. Roles run sync loops between awaits; messages queue.
 * The listener is installed on first use only, so roles that read parentPort themselves (the
 * postMessage peer counts data messages there) are not shadowed by this inbox.
 */
export function nextFromMain<T = unknown>(): Promise<T> {
  if (!listening && port) {
    listening = true;
    port.on('message', (m) => {
      if (waiting) {
        const w = waiting;
        waiting = undefined;
        w(m);
      } else queued.push(m);
    });
  }
  if (queued.length > 0) return Promise.resolve(queued.shift() as T);
  return new Promise<T>((resolve) => {
    waiting = resolve as (m: unknown) => void;
  });
}

export function reply(message: unknown, transfer?: TransferListItem[]): void {
  if (!port) throw new Error('reply() is for bench worker threads only');
  port.postMessage(message, transfer);
}
