// openChannel(url, options): the backend is chosen by the URL's scheme and loaded on demand, so
// opening an in-memory channel never loads ioredis, kafkajs or nats.
import type { Channel, ChannelOptions } from './channel.js';
import { parseChannelUrl, type BackendScheme, type ChannelUrl } from './channel-url.js';
import { BackendError } from './errors.js';

/** What a backend module exports for openChannel. */
export interface BackendModule {
  openFromUrl(url: ChannelUrl, options: Omit<ChannelOptions, 'name'>): Promise<Channel>;
}

// Paths are kept in variables: a backend that is not part of this build fails with a clear
// BackendError at open time instead of breaking the type-check of everything else.
const BACKEND_MODULES: Record<BackendScheme, string> = {
  memory: './backends/memory/index.js',
  redis: './backends/redis/index.js',
  kafka: './backends/kafka/index.js',
  nats: './backends/nats/index.js',
};

export async function openChannel(url: string, options: Omit<ChannelOptions, 'name'> = {}): Promise<Channel> {
  const parsed = parseChannelUrl(url);
  const backend = await loadBackend(parsed.scheme);
  return backend.openFromUrl(parsed, options);
}

async function loadBackend(scheme: BackendScheme): Promise<BackendModule> {
  const path = BACKEND_MODULES[scheme];
  try {
    return (await import(path)) as BackendModule;
  } catch (err) {
    const code = (err as { code?: string }).code;
    // A missing client package is named as a package ("Cannot find package 'ioredis' imported
    // from …/backends/redis/…"); a missing backend is the module itself.
    const missingPackage = /Cannot find package '([^']+)'/.exec(String((err as Error).message))?.[1];
    if (code === 'ERR_MODULE_NOT_FOUND' && missingPackage === undefined && String((err as Error).message).includes(`backends/${scheme}/`)) {
      throw new BackendError(`the ${scheme} backend is not part of this build of plexspaces-channel; use memory: or a backend that is`, { cause: err });
    }
    if (code === 'ERR_MODULE_NOT_FOUND') {
      const client = { memory: '', redis: 'ioredis', kafka: 'kafkajs', nats: 'nats' }[scheme];
      throw new BackendError(`the ${scheme} backend needs the '${client}' package; install it: npm install ${client}`, { cause: err });
    }
    throw err;
  }
}
