// The errors every backend throws. Codes are stable (match on `err.code`, not on the message); each
// message says what was wrong and what to do about it.

export type ChannelErrorCode =
  | 'ChannelFull'
  | 'ChannelClosed'
  | 'Timeout'
  | 'Aborted'
  | 'MessageNotFound'
  | 'AlreadySettled'
  | 'InvalidConfiguration'
  | 'BackendError'
  | 'SerializationError';

export interface ChannelErrorOptions {
  /** The channel's name, when the error concerns one channel. */
  channel?: string;
  cause?: unknown;
}

export class ChannelError extends Error {
  readonly code: ChannelErrorCode;
  readonly channel: string | undefined;

  constructor(code: ChannelErrorCode, message: string, options: ChannelErrorOptions = {}) {
    super(options.channel ? `[${options.channel}] ${message}` : message, { cause: options.cause });
    this.code = code;
    this.channel = options.channel;
    this.name = new.target.name;
  }
}

/** The channel is at capacity and the backpressure mode is `error` (or a bounded send timed out). */
export class ChannelFullError extends ChannelError {
  constructor(message: string, options?: ChannelErrorOptions) {
    super('ChannelFull', message, options);
  }
}

/** The channel was closed: senders fail at once, receivers after draining what was left. */
export class ChannelClosedError extends ChannelError {
  constructor(message: string, options?: ChannelErrorOptions) {
    super('ChannelClosed', message, options);
  }
}

export class TimeoutError extends ChannelError {
  constructor(message: string, options?: ChannelErrorOptions) {
    super('Timeout', message, options);
  }
}

/** The caller's AbortSignal fired; `cause` holds the signal's reason. */
export class AbortedError extends ChannelError {
  constructor(message: string, options?: ChannelErrorOptions) {
    super('Aborted', message, options);
  }
}

/** ack/nack named a message id this handle has not delivered (or has already forgotten). */
export class MessageNotFoundError extends ChannelError {
  constructor(message: string, options?: ChannelErrorOptions) {
    super('MessageNotFound', message, options);
  }
}

/** A delivery was acked and then nacked (or the reverse): settlements are mutually exclusive. */
export class AlreadySettledError extends ChannelError {
  constructor(message: string, options?: ChannelErrorOptions) {
    super('AlreadySettled', message, options);
  }
}

export class InvalidConfigurationError extends ChannelError {
  constructor(message: string, options?: ChannelErrorOptions) {
    super('InvalidConfiguration', message, options);
  }
}

/** The broker or the ring failed underneath; `cause` holds the client's own error. */
export class BackendError extends ChannelError {
  constructor(message: string, options?: ChannelErrorOptions) {
    super('BackendError', message, options);
  }
}

/** A payload or an envelope could not be encoded or decoded (wrong type, too large, corrupt). */
export class SerializationError extends ChannelError {
  constructor(message: string, options?: ChannelErrorOptions) {
    super('SerializationError', message, options);
  }
}

export function isChannelError(value: unknown, code?: ChannelErrorCode): value is ChannelError {
  return value instanceof ChannelError && (code === undefined || value.code === code);
}
