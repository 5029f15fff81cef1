// Typed errors of the rings. Every failure a caller can act on has its own code, so code that
// sits on top (the in-memory Channel backend) can map them without parsing messages.

export type RingErrorCode =
  | 'RING_CLOSED'
  | 'RING_TIMEOUT'
  | 'RING_ABORTED'
  | 'RING_INVALID_ARGUMENT'
  | 'RING_MESSAGE_TOO_LARGE'
  | 'RING_NOT_A_RING'
  | 'RING_NO_LANE'
  | 'RING_ABANDONED';

export class RingError extends Error {
  readonly code: RingErrorCode;

  constructor(code: RingErrorCode, message: string) {
    super(message);
    this.name = 'RingError';
    this.code = code;
  }
}

export function closedError(): RingError {
  return new RingError('RING_CLOSED', 'the ring is closed: no more messages can be sent, and every message sent before close() has been received');
}

export function timeoutError(timeoutMs: number): RingError {
  return new RingError('RING_TIMEOUT', `timed out after ${timeoutMs} ms; retry, or raise timeoutMs`);
}

export function abortedError(): RingError {
  return new RingError('RING_ABORTED', 'the wait was aborted by its AbortSignal; nothing was sent or received by this call');
}

export function abandonedError(abandonAfterMs: number): RingError {
  return new RingError(
    'RING_ABANDONED',
    `this send was abandoned by the receivers: its claimed space stayed unfinished for more than abandonAfterMs (${abandonAfterMs} ms), so they skipped it as the record of a dead producer; nothing of it was delivered; send it again (or raise abandonAfterMs if this thread can stall that long)`,
  );
}
