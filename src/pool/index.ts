// plexspaces-channel/pool: CPU-parallel worker pools over the in-memory channel. See README.md.
export { Pool, type RunOptions, type CloseOptions } from './pool.js';
export type { PoolOptions, ResolvedPoolOptions } from './pool-options.js';
export type { PoolStats } from './pool-stats.js';
export type { ThreadExit } from './thread-set.js';
export { TaskError, WorkerDiedError } from './pool-errors.js';
export { CODEC_NAMES, type CodecName } from './codecs.js';
export { feedPool, type FeedOptions, type FeedStats, type PoolFeed } from './channel-feed.js';
export { workerData } from './worker-data.js';
