// What a task's promise rejects with when the task itself failed. Bad input and misuse get the
// library's ChannelErrors (InvalidConfiguration, SerializationError, ChannelFull for a full
// queue, ChannelClosed after close, Aborted); these two are about the work, not the channel.

/**
 * The task threw (or returned a rejected promise) in its worker. Carries what was thrown there:
 * `name`, `message` and `code` as they were, `stack` is the worker's stack.
 */
export class TaskError extends Error {
  readonly code: string | undefined;

  constructor(thrown: ThrownInfo) {
    super(thrown.message);
    this.name = thrown.name;
    this.code = thrown.code;
    if (thrown.stack !== undefined) this.stack = thrown.stack;
  }
}

/** The worker thread running the task died (exited, was terminated, ran out of memory) on every attempt. */
export class WorkerDiedError extends Error {
  readonly code = 'WorkerDied';
  /** How many times the task was started, each on a thread that then died. */
  readonly attempts: number;

  constructor(attempts: number, how: string, cause: unknown) {
    super(
      `the worker thread running this task died (${how}) on each of its ${attempts} attempt${attempts === 1 ? '' : 's'}, so it is failed rather than tried on yet another thread; ` +
        'look for process.exit, unbounded memory (see the pool\'s resourceLimits) or a native crash in the task, or raise the pool\'s maxRetries',
      { cause },
    );
    this.name = 'WorkerDiedError';
    this.attempts = attempts;
  }
}

/** What the worker sends back about a thrown value (plain data, JSON in the result frame). */
export interface ThrownInfo {
  name: string;
  message: string;
  stack: string | undefined;
  code: string | undefined;
}

export function thrownInfo(thrown: unknown): ThrownInfo {
  if (thrown instanceof Error) {
    const code = (thrown as { code?: unknown }).code;
    return { name: thrown.name, message: thrown.message, stack: thrown.stack, code: code === undefined ? undefined : String(code) };
  }
  return { name: 'Error', message: `the task threw a non-Error value: ${safeString(thrown)}`, stack: undefined, code: undefined };
}

function safeString(value: unknown): string {
  try {
    return typeof value === 'string' ? JSON.stringify(value) : String(value);
  } catch {
    return Object.prototype.toString.call(value);
  }
}
