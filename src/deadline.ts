// Timeouts and abort signals for waits, in one place, so every backend words them the same way.
import { AbortedError, TimeoutError } from './errors.js';

export interface Deadline {
  /** Rejects when the time runs out or the signal fires; never resolves. */
  readonly expired: Promise<never>;
  /** Milliseconds left (Infinity without a timeout). */
  remainingMs(): number;
  dispose(): void;
}

/**
 * A deadline for one wait. `what` completes the sentence "timed out <what>", e.g.
 * "waiting for a message on 'jobs' after 200 ms".
 */
export function startDeadline(timeoutMs: number, signal: AbortSignal | undefined, what: string, channel?: string): Deadline {
  const end = performance.now() + timeoutMs;
  let timer: NodeJS.Timeout | undefined;
  let onAbort: (() => void) | undefined;
  const expired = new Promise<never>((_, reject) => {
    if (signal?.aborted) {
      reject(abortedError(signal, what, channel));
      return;
    }
    if (Number.isFinite(timeoutMs)) {
      timer = setTimeout(
        () => reject(new TimeoutError(`timed out after ${timeoutMs} ms ${what}; raise the timeout or check that a peer is running`, { channel })),
        Math.max(0, timeoutMs),
      );
    }
    if (signal) {
      onAbort = () => reject(abortedError(signal, what, channel));
      signal.addEventListener('abort', onAbort, { once: true });
    }
  });
  // A deadline nobody awaits (the wait finished first) must not surface as an unhandled rejection.
  expired.catch(() => {});
  return {
    expired,
    remainingMs: () => Math.max(0, end - performance.now()),
    dispose() {
      if (timer) clearTimeout(timer);
      if (onAbort) signal?.removeEventListener('abort', onAbort);
    },
  };
}

export function abortedError(signal: AbortSignal, what: string, channel?: string): AbortedError {
  return new AbortedError(`aborted ${what}`, { channel, cause: signal.reason });
}

/** Runs `work` against a deadline: the first of the two to settle wins. */
export async function withDeadline<T>(
  work: Promise<T>,
  timeoutMs: number,
  signal: AbortSignal | undefined,
  what: string,
  channel?: string,
): Promise<T> {
  if (!Number.isFinite(timeoutMs) && !signal) return work;
  const deadline = startDeadline(timeoutMs, signal, what, channel);
  try {
    return await Promise.race([work, deadline.expired]);
  } finally {
    deadline.dispose();
  }
}
