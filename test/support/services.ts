// Decides, once per test file, whether the integration tests of a service run.
//
// - The service answers on its port: the tests run.
// - It does not, and CI=true: the tests still run (so they fail loudly) after one failing test
//   that names the service and the command that starts it. CI must never pass by skipping.
// - It does not, outside CI: every test of the suite is counted as skipped, and one line says
//   which service was missing and how to start it.
import { execFile } from 'node:child_process';
import { connect } from 'node:net';
import { fileURLToPath } from 'node:url';
import { suite } from 'uvu';

export type ServiceName = 'redis' | 'kafka' | 'nats';

export const serviceUrls = {
  redis: process.env.REDIS_URL ?? 'redis://localhost:6379',
  kafka: process.env.KAFKA_BROKERS ?? 'localhost:9092',
  nats: process.env.NATS_URL ?? 'nats://localhost:4222',
} as const;

const envName: Record<ServiceName, string> = {
  redis: 'REDIS_URL',
  kafka: 'KAFKA_BROKERS',
  nats: 'NATS_URL',
};

/** host and port of the first address a service URL names. */
export function hostPort(service: ServiceName): { host: string; port: number } {
  const first = serviceUrls[service].split(',')[0]!.trim();
  const url = new URL(first.includes('://') ? first : `tcp://${first}`);
  const defaults: Record<ServiceName, number> = { redis: 6379, kafka: 9092, nats: 4222 };
  return { host: url.hostname || 'localhost', port: Number(url.port) || defaults[service] };
}

/** True when something accepts a TCP connection on the service's port within timeoutMs. */
export function isReachable(service: ServiceName, timeoutMs = 1500): Promise<boolean> {
  const { host, port } = hostPort(service);
  return new Promise((resolve) => {
    const socket = connect({ host, port });
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}

export const inCI = process.env.CI === 'true' || process.env.CI === '1';

type Suite = ReturnType<typeof suite>;

/**
 * A uvu suite for tests that need a running service. Register tests with the returned `test`
 * exactly as with uvu; call `run()` at the end.
 */
export async function serviceSuite(name: string, service: ServiceName): Promise<Suite> {
  const reachable = await isReachable(service);
  const s = suite(name);
  if (reachable) return s;
  const how = `start it with \`scripts/services up ${service}\` (or \`docker compose up -d ${service}\`), or point ${envName[service]} at one`;
  const where = serviceUrls[service];
  if (inCI) {
    s(`${service} is reachable at ${where}`, () => {
      throw new Error(`${service} is not reachable at ${where} in CI: ${how}`);
    });
    return s;
  }
  console.log(`  ⚠ skipping "${name}": ${service} is not reachable at ${where}; ${how}`);
  // Every registration becomes a counted skip; before/after hooks are dropped with the tests.
  const skipping = ((..._args: unknown[]) => s.skip()) as unknown as Suite;
  const noop = () => {};
  Object.assign(skipping, {
    skip: () => s.skip(),
    only: () => s.skip(),
    run: () => s.run(),
    before: Object.assign(noop, { each: noop }),
    after: Object.assign(noop, { each: noop }),
  });
  return skipping;
}

/**
 * Resolves or rejects as `work` does, or rejects after `ms` with an error naming `what`.
 * uvu has no per-test timeout; a server that accepts a connection and then never answers must
 * fail the test, not wedge the file until the runner kills it. The timer is cleared either way,
 * so it never keeps the process alive.
 */
export async function within<T>(ms: number, what: string, work: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms: ${what}`)), ms);
  });
  try {
    return await Promise.race([work, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** A name no other test run uses, for streams, topics, groups and subjects. */
export function uniqueName(prefix: string): string {
  return `${prefix}-${process.pid}-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}`;
}

const servicesScript = fileURLToPath(new URL('../../scripts/services', import.meta.url));

/**
 * Runs `scripts/services ARGS...` and resolves with its output; rejects with its one-line error
 * (and exit code) when it fails, or after timeoutMs. Kafka can take a minute to come back on a
 * busy 2-core machine, hence the generous default.
 */
export function runServicesScript(args: string[], timeoutMs = 180_000): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile('bash', [servicesScript, ...args], { timeout: timeoutMs }, (error, stdout, stderr) => {
      if (error) {
        const why = stderr.trim() || error.message;
        reject(new Error(`scripts/services ${args.join(' ')} failed (exit ${error.code ?? error.signal}): ${why}`));
      } else {
        resolve(stdout);
      }
    });
  });
}

/**
 * True when this checkout's scripts/services started the service and it answers, so a test may
 * restart or kill it. False for a server started some other way (Docker, a remote REDIS_URL):
 * tests that need to restart the broker skip themselves there.
 */
export async function managedByScript(service: ServiceName): Promise<boolean> {
  const standardPort: Record<ServiceName, number> = { redis: 6379, kafka: 9092, nats: 4222 };
  const { host, port } = hostPort(service);
  // The URL the tests use must lead to the server the script runs, or a restart proves nothing.
  if (!['localhost', '127.0.0.1', '[::1]'].includes(host) || port !== standardPort[service]) return false;
  try {
    await runServicesScript(['status', service], 30_000);
    return true;
  } catch {
    return false;
  }
}

/**
 * Whether a test may restart or kill the service. In CI always: there the script runs every
 * service, and a restart test that skipped itself would let CI pass without proving anything
 * (if the restart cannot be done, the test fails and says why). Elsewhere only when this checkout's
 * scripts/services runs the server the tests talk to; otherwise one line says why it is skipped.
 */
export async function canRestart(service: ServiceName): Promise<boolean> {
  if (inCI) return true;
  if (!(await isReachable(service))) return false; // serviceSuite already said how to start it
  if (await managedByScript(service)) return true;
  console.log(`  ⚠ ${service} was not started by scripts/services: its restart test is skipped`);
  return false;
}

/** Graceful stop and start; the server keeps its data. */
export const restartService = (service: ServiceName) => runServicesScript(['restart', service]);
/** SIGKILL, as a crash would; bring it back with startService. */
export const killService = (service: ServiceName) => runServicesScript(['kill', service]);
export const startService = (service: ServiceName) => runServicesScript(['start', service]);
export const stopService = (service: ServiceName) => runServicesScript(['stop', service]);
