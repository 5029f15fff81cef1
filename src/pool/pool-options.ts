// The pool's options: piscina's names where piscina has the option (filename, minThreads,
// maxThreads, idleTimeoutMs, maxQueue, resourceLimits, workerData, name), ours for the rest.
// Every option is checked once; a wrong one is an InvalidConfiguration naming it, its value and
// what is accepted. Unknown keys (typos) are refused, never ignored.
import { availableParallelism } from 'node:os';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { isAbsolute, resolve } from 'node:path';
import type { ResourceLimits } from 'node:worker_threads';
import { InvalidConfigurationError } from '../errors.js';
import { CODEC_NAMES, isCodecName, type CodecName } from './codecs.js';

export interface PoolOptions {
  /** The task module (path or file: URL); its default export (or `name`) runs each task. */
  filename: string | URL;
  /** The export to call. Default 'default'. */
  name?: string;
  /** Threads kept even when idle (started at once). Default 1. */
  minThreads?: number;
  /** Most threads at once. Default: the machine's available parallelism. */
  maxThreads?: number;
  /** A thread idle this long is stopped, down to minThreads (ms). Default 1000. */
  idleTimeoutMs?: number;
  /** Most tasks waiting for a thread; run() beyond it rejects with ChannelFull. 'auto' = maxThreads². Default Infinity. */
  maxQueue?: number | 'auto';
  /** Passed to each Worker (heap limits: a thread over them dies with ERR_WORKER_OUT_OF_MEMORY and is replaced). */
  resourceLimits?: ResourceLimits;
  /** How tasks and results become bytes: 'bytes' (Uint8Array in and out, the default), 'v8' (structured clone), 'json'. */
  codec?: CodecName;
  /** Tasks handed to one worker at most before their results are in. Default 4096; the pool hands out fewer for slow tasks (about 4 ms of work each). */
  maxInFlightPerWorker?: number;
  /** Restarts of a task whose thread died while running it, before it fails with WorkerDiedError. Default 2. */
  maxRetries?: number;
  /** Reruns of a task that threw before its promise rejects with the error. Default 0. */
  retryOnThrow?: number;
  /** Bytes of each shared lane (a power of two); the largest task or result is a little under half. Default 1 MiB. */
  laneBytes?: number;
  /** Any structured-clone data for the task module: `import { workerData } from 'plexspaces-channel/pool'`. */
  workerData?: unknown;
}

export interface ResolvedPoolOptions {
  filename: string;
  name: string;
  minThreads: number;
  maxThreads: number;
  idleTimeoutMs: number;
  maxQueue: number;
  resourceLimits: ResourceLimits | undefined;
  codec: CodecName;
  maxInFlightPerWorker: number;
  maxRetries: number;
  retryOnThrow: number;
  laneBytes: number;
  workerData: unknown;
}

const KNOWN = new Set(['filename', 'name', 'minThreads', 'maxThreads', 'idleTimeoutMs', 'maxQueue', 'resourceLimits', 'codec', 'maxInFlightPerWorker', 'maxRetries', 'retryOnThrow', 'laneBytes', 'workerData']);

function fail(message: string): never {
  throw new InvalidConfigurationError(message);
}

function count(option: string, value: unknown, min: number, max = Infinity, allowInfinity = false): number {
  const ok = typeof value === 'number' && ((Number.isInteger(value) && value >= min && value <= max) || (allowInfinity && value === Infinity));
  if (!ok) fail(`pool option ${option} is ${String(value)}; use a whole number from ${min}${max === Infinity ? '' : ` to ${max}`}${allowInfinity ? ' (or Infinity for no limit)' : ''}`);
  return value as number;
}

export function resolvePoolOptions(options: PoolOptions): ResolvedPoolOptions {
  if (options === null || typeof options !== 'object') fail('new Pool() takes an options object, e.g. { filename: new URL("./task.js", import.meta.url) }');
  for (const key of Object.keys(options)) {
    if (!KNOWN.has(key)) fail(`unknown pool option '${key}'; the options are ${[...KNOWN].join(', ')}`);
  }
  const filename = taskModule(options.filename);
  const cores = availableParallelism();
  const minThreads = count('minThreads', options.minThreads ?? 1, 0, 256);
  const maxThreads = count('maxThreads', options.maxThreads ?? Math.max(cores, minThreads, 1), 1, 256);
  if (maxThreads < minThreads) fail(`pool option maxThreads (${maxThreads}) is below minThreads (${minThreads}); raise maxThreads or lower minThreads`);
  const maxQueue = options.maxQueue === 'auto' ? maxThreads * maxThreads : count('maxQueue', options.maxQueue ?? Infinity, 1, Infinity, true);
  const codec = options.codec ?? 'bytes';
  if (!isCodecName(codec)) fail(`pool option codec is ${JSON.stringify(codec)}; use one of ${CODEC_NAMES.map((c) => `'${c}'`).join(', ')}`);
  const laneBytes = count('laneBytes', options.laneBytes ?? 1 << 20, 4096, 1 << 30);
  if ((laneBytes & (laneBytes - 1)) !== 0) fail(`pool option laneBytes is ${laneBytes}; use a power of two such as ${2 ** Math.ceil(Math.log2(laneBytes))}`);
  const name = options.name ?? 'default';
  if (typeof name !== 'string' || name === '') fail(`pool option name is ${JSON.stringify(name)}; give the name of the task module's export to call`);
  const resourceLimits = options.resourceLimits;
  if (resourceLimits !== undefined && (resourceLimits === null || typeof resourceLimits !== 'object')) {
    fail('pool option resourceLimits must be an object such as { maxOldGenerationSizeMb: 64 } (see node:worker_threads)');
  }
  return {
    filename,
    name,
    minThreads,
    maxThreads,
    idleTimeoutMs: count('idleTimeoutMs', options.idleTimeoutMs ?? 1000, 0, Infinity, true),
    maxQueue,
    resourceLimits,
    codec,
    maxInFlightPerWorker: count('maxInFlightPerWorker', options.maxInFlightPerWorker ?? 4096, 1, 65536),
    maxRetries: count('maxRetries', options.maxRetries ?? 2, 0, 1000),
    retryOnThrow: count('retryOnThrow', options.retryOnThrow ?? 0, 0, 1000),
    laneBytes,
    workerData: options.workerData,
  };
}

/** The task module as a file: URL string (relative paths are taken from the working directory). */
function taskModule(filename: unknown): string {
  if (filename instanceof URL) filename = filename.href;
  if (typeof filename !== 'string' || filename === '') {
    fail(`pool option filename is ${JSON.stringify(filename)}; give the task module's path or URL, e.g. new URL('./task.js', import.meta.url)`);
  }
  if (/^(file|data):/.test(filename)) {
    if (filename.startsWith('file:')) fileURLToPath(filename); // throws for a malformed file URL
    return filename;
  }
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(filename)) fail(`pool option filename ${filename} is not a file; worker threads load local modules only (a path or a file: URL)`);
  return pathToFileURL(isAbsolute(filename) ? filename : resolve(filename)).href;
}
