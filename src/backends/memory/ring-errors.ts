// Turns the rings' errors into the channel's typed errors, so callers match one set of codes.
import { RingError } from '../../../native-queue/index.js';
import { BackendError, ChannelClosedError, SerializationError } from '../../errors.js';

export function channelErrorFromRing(err: unknown, channel: string, action: string): unknown {
  if (!(err instanceof RingError)) return err;
  switch (err.code) {
    case 'RING_CLOSED':
      return new ChannelClosedError(`cannot ${action}: the channel is closed; open a new one`, { channel, cause: err });
    case 'RING_MESSAGE_TOO_LARGE':
      return new SerializationError(`cannot ${action}: ${err.message}`, { channel, cause: err });
    default:
      return new BackendError(`the shared ring failed while trying to ${action}: ${err.message}`, { channel, cause: err });
  }
}

export function isRingError(err: unknown, code: RingError['code']): boolean {
  return err instanceof RingError && err.code === code;
}
