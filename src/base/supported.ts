// Options a backend cannot honour are refused when the channel opens, never quietly ignored:
// checked once, here, against the capabilities the backend declares.
import type { Capabilities } from '../channel.js';
import { InvalidConfigurationError } from '../errors.js';
import type { ResolvedOptions } from '../options.js';

export function checkSupported(options: ResolvedOptions, caps: Capabilities): void {
  const channel = options.name;
  if (options.delivery === 'exactly-once' && !caps.exactlyOnce) {
    throw new InvalidConfigurationError(
      "this backend cannot give exactly-once delivery (capabilities.exactlyOnce is false); use 'at-least-once' with idempotent handlers, or 'at-most-once'",
      { channel },
    );
  }
  if (options.ordering === 'per-key' && caps.ordering !== 'per-key') {
    throw new InvalidConfigurationError(
      `this backend keeps '${caps.ordering}' order, not 'per-key' order across receivers (capabilities.ordering); use '${caps.ordering}' or 'none'`,
      { channel },
    );
  }
  if (!caps.backpressure.includes(options.backpressure)) {
    throw new InvalidConfigurationError(
      `option backpressure is '${options.backpressure}', which this backend cannot honour; use one of ${caps.backpressure.map((m) => `'${m}'`).join(', ')}`,
      { channel },
    );
  }
  if (options.deadLetter !== false && !caps.deadLetter) {
    throw new InvalidConfigurationError('option deadLetter names a dead-letter channel, but this backend has none (capabilities.deadLetter); leave it out', { channel });
  }
}
