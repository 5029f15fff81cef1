// What a client failure means: retriable (the broker is away or busy: wait and try again) or
// not, and the typed error the caller sees. A client message may quote what it was given, so
// any secret the handle holds is masked before it goes into an error.
import { BackendError } from '../../errors.js';

const RETRIABLE_NAMES = new Set([
  'KafkaJSConnectionError',
  'KafkaJSConnectionClosedError',
  'KafkaJSRequestTimeoutError',
  'KafkaJSBrokerNotFound',
  'KafkaJSLockTimeout',
  'KafkaJSMetadataNotLoaded',
  'KafkaJSNumberOfRetriesExceeded',
  'KafkaJSNoBrokerAvailableError',
  'KafkaJSTimeout',
]);

/** The broker is away or busy (connection lost, leader moving, request timed out). */
export function isRetriable(err: unknown): boolean {
  for (let e = err as { name?: string; retriable?: boolean; cause?: unknown } | undefined, depth = 0; e && depth < 5; e = e.cause as typeof e, depth++) {
    if (e.retriable === true || (e.name !== undefined && RETRIABLE_NAMES.has(e.name))) return true;
  }
  return false;
}

/** A client error's message, with every secret in `secrets` replaced by ***. */
export function safeMessage(err: unknown, secrets: readonly string[]): string {
  let message = String((err as Error)?.message ?? err);
  for (const secret of secrets) if (secret.length > 0) message = message.split(secret).join('***');
  return message;
}

/** The BackendError for a failed broker call: what failed, the client's reason (masked), what to do. */
export function backendError(what: string, err: unknown, channel: string, secrets: readonly string[], hint: string): BackendError {
  return new BackendError(`${what} failed: ${safeMessage(err, secrets)}; ${hint}`, { channel, cause: secrets.length > 0 ? undefined : err });
}
