// Validates channel options once, for every backend, and fills in the documented defaults.
// A wrong option is an InvalidConfiguration naming the option, the value and what is accepted —
// never a silent fallback (the original turned maxRetries 0 into 3 and ignored backpressure).
import type { BackpressureMode, ChannelOptions, DeliveryGuarantee, Ordering } from './channel.js';
import { InvalidConfigurationError } from './errors.js';

export type ResolvedOptions = Required<ChannelOptions>;

export const DEFAULT_OPTIONS: Omit<ResolvedOptions, 'name'> = {
  capacity: 0,
  delivery: 'at-least-once',
  ordering: 'fifo',
  backpressure: 'block',
  sendTimeoutMs: Infinity,
  receiveTimeoutMs: Infinity,
  messageTtlMs: Infinity,
  maxRetries: 3,
  deadLetter: false,
  ackTimeoutMs: 30_000,
  connectTimeoutMs: 10_000,
};

const DELIVERIES: readonly DeliveryGuarantee[] = ['at-most-once', 'at-least-once', 'exactly-once'];
const ORDERINGS: readonly Ordering[] = ['none', 'fifo', 'per-key'];
export const BACKPRESSURE_MODES: readonly BackpressureMode[] = ['block', 'drop-oldest', 'drop-newest', 'error'];
const KNOWN_KEYS = new Set(['name', ...Object.keys(DEFAULT_OPTIONS)]);

/** Channel names travel as stream keys, topics and subjects: keep them to a portable alphabet. */
const NAME_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._\-]{0,199}$/;

function fail(message: string): never {
  throw new InvalidConfigurationError(message);
}

function checkOneOf<T extends string>(option: string, value: unknown, allowed: readonly T[]): T {
  if (typeof value !== 'string' || !allowed.includes(value as T)) {
    fail(`option ${option} is ${JSON.stringify(value)}; use one of ${allowed.map((a) => `'${a}'`).join(', ')}`);
  }
  return value as T;
}

/** A whole number >= min, or Infinity where `allowInfinity`. */
function checkCount(option: string, value: unknown, min: number, allowInfinity = false): number {
  const ok =
    typeof value === 'number' &&
    ((Number.isInteger(value) && value >= min) || (allowInfinity && value === Infinity));
  if (!ok) {
    fail(`option ${option} is ${String(value)}; use a whole number >= ${min}${allowInfinity ? ' (or Infinity for no limit)' : ''}`);
  }
  return value as number;
}

export function checkChannelName(name: unknown): string {
  if (typeof name !== 'string' || !NAME_PATTERN.test(name)) {
    fail(
      `channel name ${JSON.stringify(name)} is not usable; use 1-200 characters of letters, digits, '.', '_' or '-', starting with a letter or digit`,
    );
  }
  return name;
}

/**
 * Checks the options every backend shares and fills in defaults. `backendKeys` names the options a
 * backend adds of its own (it checks those itself); any other unknown key is a mistake — usually a
 * typo — and is rejected rather than ignored.
 */
export function resolveOptions(options: ChannelOptions, backendKeys: readonly string[] = []): ResolvedOptions {
  if (options === null || typeof options !== 'object') fail('channel options must be an object with at least a name');
  const shared: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(options)) {
    if (KNOWN_KEYS.has(key)) shared[key] = value;
    else if (!backendKeys.includes(key)) {
      fail(`unknown option '${key}'; known options are ${[...KNOWN_KEYS, ...backendKeys].join(', ')}`);
    }
  }
  const merged = { ...DEFAULT_OPTIONS, ...dropUndefined(shared) } as ResolvedOptions;
  checkChannelName(merged.name);
  checkCount('capacity', merged.capacity, 0);
  checkOneOf('delivery', merged.delivery, DELIVERIES);
  checkOneOf('ordering', merged.ordering, ORDERINGS);
  checkOneOf('backpressure', merged.backpressure, BACKPRESSURE_MODES);
  checkCount('sendTimeoutMs', merged.sendTimeoutMs, 0, true);
  checkCount('receiveTimeoutMs', merged.receiveTimeoutMs, 0, true);
  checkCount('messageTtlMs', merged.messageTtlMs, 1, true);
  checkCount('maxRetries', merged.maxRetries, 0);
  checkCount('ackTimeoutMs', merged.ackTimeoutMs, 0);
  checkCount('connectTimeoutMs', merged.connectTimeoutMs, 1);
  if (merged.deadLetter !== false) {
    checkChannelName(merged.deadLetter);
    if (merged.deadLetter === merged.name) fail(`option deadLetter names the channel itself ('${merged.name}'); use another channel's name`);
  }
  return Object.freeze(merged);
}

function dropUndefined<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}
