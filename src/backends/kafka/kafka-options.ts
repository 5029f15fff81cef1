// The Kafka backend's own options: checked once, defaults filled in, credentials kept out of
// everything that may be printed (errors, logs, stats(), the channel's `options`).
import type { ConnectionOptions } from 'node:tls';
import type { ChannelOptions } from '../../channel.js';
import { InvalidConfigurationError } from '../../errors.js';

export interface KafkaSasl {
  mechanism: 'plain' | 'scram-sha-256' | 'scram-sha-512';
  username: string;
  password: string;
}

export interface KafkaBackendOptions {
  /** Client id the broker sees (logs, quotas). Default 'plexspaces-channel'. */
  clientId?: string;
  /** TLS: true, or Node's tls.connect options. Default off. */
  ssl?: boolean | ConnectionOptions;
  /** SASL credentials. Never printed: `kafkaOptions` shows the password as '***'. */
  sasl?: KafkaSasl;
  /** Partitions of the topic when this handle creates it. Default 1 (one partition: fifo for one receiver; more need ordering 'per-key' or 'none'). */
  partitions?: number;
  /** Replication factor of a topic this handle creates. Default: the broker's default.replication.factor. */
  replicationFactor?: number;
  /** Producer acks: 'all' (-1), 1 or 0. Default 'all'; the producer is idempotent only with 'all'. */
  acks?: 'all' | -1 | 0 | 1;
  /** 'none' or 'gzip'. Default 'none'. */
  compression?: 'none' | 'gzip';
  /** Most bytes of records one produce request carries. Default 524 288 (within Kafka's 1 MiB max.request.size). */
  batchBytes?: number;
  /** How long a send waits for others to share its produce request. Default 0 (Kafka's linger.ms). */
  lingerMs?: number;
  /** Records one consumer holds fetched but not handed out before it pauses the partition. Default 1000. */
  prefetch?: number;
  /** Consumer group session timeout: a member silent this long is dropped. Default 10 000 (the broker allows >= 6 000). */
  sessionTimeoutMs?: number;
  /** How often a consumer heartbeats (and so how fast it joins a rebalance). Default 500. */
  heartbeatIntervalMs?: number;
  /** Longest one broker request may take. Default 30 000. */
  requestTimeoutMs?: number;
}

export interface ResolvedKafkaOptions {
  clientId: string;
  ssl: boolean | ConnectionOptions | undefined;
  sasl: KafkaSasl | undefined;
  partitions: number;
  replicationFactor: number | undefined;
  acks: -1 | 0 | 1;
  compression: 'none' | 'gzip';
  batchBytes: number;
  lingerMs: number;
  prefetch: number;
  sessionTimeoutMs: number;
  heartbeatIntervalMs: number;
  requestTimeoutMs: number;
}

export const KAFKA_OPTION_KEYS = [
  'clientId',
  'ssl',
  'sasl',
  'partitions',
  'replicationFactor',
  'acks',
  'compression',
  'batchBytes',
  'lingerMs',
  'prefetch',
  'sessionTimeoutMs',
  'heartbeatIntervalMs',
  'requestTimeoutMs',
] as const;

/** The options `KafkaChannel.connect` takes: the shared ones (without `name`: the topic is it) and Kafka's. */
export type KafkaChannelOptions = Partial<Omit<ChannelOptions, 'name'>> & KafkaBackendOptions;

function fail(message: string): never {
  throw new InvalidConfigurationError(message);
}

function whole(option: string, value: unknown, min: number, fallback: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min) fail(`option ${option} is ${String(value)}; use a whole number >= ${min}`);
  return value;
}

export function resolveKafkaOptions(o: KafkaBackendOptions): ResolvedKafkaOptions {
  const clientId = o.clientId ?? 'plexspaces-channel';
  if (typeof clientId !== 'string' || clientId.length === 0) fail(`option clientId is ${JSON.stringify(clientId)}; use a non-empty string`);
  if (o.ssl !== undefined && typeof o.ssl !== 'boolean' && (o.ssl === null || typeof o.ssl !== 'object')) fail('option ssl must be true, false or a tls.connect options object');
  if (o.sasl !== undefined) {
    const s = o.sasl as Partial<KafkaSasl> | null;
    if (s === null || typeof s !== 'object' || !['plain', 'scram-sha-256', 'scram-sha-512'].includes(String(s.mechanism))) {
      fail("option sasl must be { mechanism: 'plain' | 'scram-sha-256' | 'scram-sha-512', username, password }");
    }
    if (typeof s.username !== 'string' || typeof s.password !== 'string') fail('option sasl needs a username and a password, both strings');
  }
  const acksIn = o.acks ?? 'all';
  if (!['all', -1, 0, 1].includes(acksIn as never)) fail(`option acks is ${JSON.stringify(acksIn)}; use 'all' (or -1), 1 or 0`);
  const compression = o.compression ?? 'none';
  if (compression !== 'none' && compression !== 'gzip') fail(`option compression is ${JSON.stringify(compression)}; use 'none' or 'gzip'`);
  const sessionTimeoutMs = whole('sessionTimeoutMs', o.sessionTimeoutMs, 1, 10_000);
  const heartbeatIntervalMs = whole('heartbeatIntervalMs', o.heartbeatIntervalMs, 1, 500);
  if (heartbeatIntervalMs >= sessionTimeoutMs) fail(`option heartbeatIntervalMs (${heartbeatIntervalMs}) must be below sessionTimeoutMs (${sessionTimeoutMs})`);
  return {
    clientId,
    ssl: o.ssl,
    sasl: o.sasl === undefined ? undefined : { ...o.sasl },
    partitions: whole('partitions', o.partitions, 1, 1),
    replicationFactor: o.replicationFactor === undefined ? undefined : whole('replicationFactor', o.replicationFactor, 1, 1),
    acks: acksIn === 'all' ? -1 : (acksIn as -1 | 0 | 1),
    compression,
    batchBytes: whole('batchBytes', o.batchBytes, 1, 524_288),
    lingerMs: whole('lingerMs', o.lingerMs, 0, 0),
    prefetch: whole('prefetch', o.prefetch, 1, 1000),
    sessionTimeoutMs,
    heartbeatIntervalMs,
    requestTimeoutMs: whole('requestTimeoutMs', o.requestTimeoutMs, 1, 30_000),
  };
}

/** The options as they may be shown: the SASL password and TLS keys masked. */
export function redactedKafkaOptions(o: ResolvedKafkaOptions): Readonly<Record<string, unknown>> {
  return Object.freeze({
    ...o,
    sasl: o.sasl === undefined ? undefined : { mechanism: o.sasl.mechanism, username: o.sasl.username, password: '***' },
    ssl: typeof o.ssl === 'object' ? '(tls options)' : o.ssl,
  });
}

/** A broker list: non-empty `host:port` strings; every one is used. */
export function checkBrokers(brokers: unknown): string[] {
  const list = typeof brokers === 'string' ? brokers.split(',') : brokers;
  if (!Array.isArray(list) || list.length === 0) fail('brokers must be a non-empty list of "host:port" strings, e.g. ["127.0.0.1:9092"]');
  return list.map((b) => {
    const s = typeof b === 'string' ? b.trim() : '';
    if (!/^(\[[0-9a-fA-F:.]+\]|[A-Za-z0-9.-]+):\d{1,5}$/.test(s) || Number(s.slice(s.lastIndexOf(':') + 1)) > 65535) {
      fail(`broker ${JSON.stringify(b)} is not "host:port"; list every broker as host:port, e.g. "127.0.0.1:9092"`);
    }
    return s;
  });
}
