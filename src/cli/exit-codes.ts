// Exit codes scripts can rely on, and the one-line error every failure is reported as (never a
// stack trace). Documented in the README's CLI section and in `plexspaces-channel --help`.
import { isChannelError } from '../errors.js';

export const EXIT = {
  ok: 0,
  /** The command failed: an unreachable broker, a refused send, a wrong answer. */
  failure: 1,
  /** The command line was wrong: an unknown command or flag, a bad value, a bad URL. */
  usage: 2,
  /** Waiting ran out: fewer messages arrived than asked for within --timeout. */
  timeout: 3,
  /** Interrupted (Ctrl-C): stopped cleanly, nothing settled that was not printed. */
  interrupted: 130,
} as const;

/** A failure the CLI reports itself, with the exit code it deserves. */
export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode: number = EXIT.failure,
  ) {
    super(message);
  }
}

export function usageError(message: string): CliError {
  return new CliError(message, EXIT.usage);
}

/** The exit code of any error: usage for bad configuration, timeout for Timeout, else failure. */
export function exitCodeOf(err: unknown): number {
  if (err instanceof CliError) return err.exitCode;
  if (isChannelError(err, 'InvalidConfiguration')) return EXIT.usage;
  if (isChannelError(err, 'Timeout')) return EXIT.timeout;
  return EXIT.failure;
}

/** The one line an error is reported as (the message already says what was wrong and what to do). */
export function oneLine(err: unknown): string {
  const text = err instanceof Error ? err.message : String(err);
  return text.replace(/\s*\n\s*/g, ' ').trim();
}
