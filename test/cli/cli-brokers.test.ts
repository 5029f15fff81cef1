// The command line against every broker backend of this build, as a user runs it: `send` then
// `recv` round-trip text and binary bytes with their key and headers; an unreachable broker is
// one line and exit 1; a receive that runs out of time is exit 3. Each backend runs only when its
// service answers (in CI every service is up; elsewhere a missing one is a counted skip).
import { existsSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { inCI, isReachable, type ServiceName } from '../support/services.js';
import { cli } from './run-cli.js';

const test = suite('the CLI against the brokers');
const root = new URL('../..', import.meta.url);

interface Target {
  service: ServiceName;
  /** The URL of a fresh channel. */
  url(name: string): string;
  /** An address of the same backend where nothing listens. */
  unreachable: string;
}

const TARGETS: Record<string, Target> = {
  redis: { service: 'redis', url: (n) => `redis://127.0.0.1:6379/${n}`, unreachable: 'redis://127.0.0.1:1/nothing' },
  kafka: { service: 'kafka', url: (n) => `kafka://127.0.0.1:9092/${n}`, unreachable: 'kafka://127.0.0.1:1/nothing' },
  'nats-jetstream': { service: 'nats', url: (n) => `nats://127.0.0.1:4222/${n}?jetstream=true`, unreachable: 'nats://127.0.0.1:1/nothing?jetstream=true' },
};

const unique = (prefix: string) => `${prefix}-${process.pid}-${Date.now().toString(36)}`;

for (const [backend, target] of Object.entries(TARGETS)) {
  const built = existsSync(new URL(`src/backends/${backend.split('-')[0]}/index.ts`, root));
  const reachable = built && (await isReachable(target.service));
  const skip = !built ? `the ${backend} backend is not in this build` : !reachable && !inCI ? `${target.service} is not reachable (scripts/services up ${target.service})` : undefined;
  if (skip) {
    console.log(`  ⚠ skipping the CLI on ${backend}: ${skip}`);
    test.skip(`${backend}: send then recv round-trips text and binary`, () => {});
    continue;
  }

  test(`${backend}: send then recv round-trips text (with key and headers) and binary bytes`, async () => {
    const url = target.url(unique(`cli-${backend}`));
    const sent = await cli(['send', url, 'first', 'second', '--key', 'k-1', '--header', 'kind=test']);
    assert.is(sent.code, 0, sent.stderr);
    assert.is(sent.stdout.trim().split('\n').length, 2, 'two ids printed');
    const binary = new Uint8Array(randomBytes(256));
    const sentBinary = await cli(['send', url, '--file', '-', '--whole'], binary);
    assert.is(sentBinary.code, 0, sentBinary.stderr);

    const got = await cli(['recv', url, '--count', '2', '--output', 'json', '--timeout', '20000']);
    assert.is(got.code, 0, got.stderr);
    const lines = got.stdout.trim().split('\n').map((l) => JSON.parse(l) as { data: string; key: string; headers: Record<string, string>; deliveryCount: number });
    assert.equal(lines.map((l) => l.data).sort(), ['first', 'second']);
    for (const l of lines) {
      assert.is(l.key, 'k-1');
      assert.is(l.headers.kind, 'test');
      assert.is(l.deliveryCount, 1);
    }
    const raw = await cli(['recv', url, '--count', '1', '--format', '%x', '--timeout', '20000']);
    assert.is(raw.code, 0, raw.stderr);
    assert.is(raw.stdout, Buffer.from(binary).toString('hex'), 'the binary message, byte for byte');
  });

  test(`${backend}: an unreachable broker is one line and exit 1; a receive that runs out of time is exit 3`, async () => {
    const down = await cli(['send', target.unreachable, 'x', '--timeout', '3000']);
    assert.is(down.code, 1, `${down.stdout}${down.stderr}`);
    assert.is(down.stderr.trim().split('\n').length, 1, `one line: ${down.stderr}`);
    assert.not.match(down.stderr, /\n\s+at /);
    const empty = await cli(['recv', target.url(unique(`cli-empty-${backend}`)), '--timeout', '1500']);
    assert.is(empty.code, 3, `${empty.stdout}${empty.stderr}`);
    assert.match(empty.stderr, '0 of 1 message(s) arrived within 1500 ms');
  });
}

test.run();
