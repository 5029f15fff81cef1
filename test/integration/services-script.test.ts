// scripts/services on bad input: an unknown sub-command, and a port held by something it did not
// start, each give one line that says what to do and a non-zero exit — and leave nothing broken.
import { execFile } from 'node:child_process';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';
import * as assert from 'uvu/assert';
import { canRestart, runServicesScript, serviceSuite, startService, stopService, within } from '../support/services.js';

const test = await serviceSuite('scripts/services', 'nats');
const managed = await canRestart('nats');
const scriptPath = fileURLToPath(new URL('../../scripts/services', import.meta.url));

async function failure(args: string[]): Promise<string> {
  try {
    await runServicesScript(args, 60_000);
  } catch (err) {
    return (err as Error).message;
  }
  assert.unreachable(`scripts/services ${args.join(' ')} succeeded`);
  return '';
}

test('an unknown sub-command is one line with the list of commands and exit 2', async () => {
  const message = await failure(['frobnicate']);
  assert.match(message, '(exit 2)');
  assert.match(message, "unknown command 'frobnicate'");
  assert.match(message, 'up, down, status');
  assert.not.match(message.split('): ')[1] ?? '', '\n');
});

test('status names every service, one line each (exit 0 only when all answer)', async () => {
  const { stdout, code } = await new Promise<{ stdout: string; code: number }>((resolve) => {
    execFile('bash', [scriptPath, 'status'], { timeout: 30_000 }, (error, stdout) => resolve({ stdout, code: error ? Number(error.code) : 0 }));
  });
  const lines = stdout.trim().split('\n');
  assert.equal(lines.map((l) => l.split(/\s+/)[0]), ['redis', 'nats', 'kafka']);
  const allRunning = lines.every((l) => /\srunning/.test(l));
  assert.is(code, allRunning ? 0 : 3, stdout);
});

// Only where this checkout's script runs NATS (always in CI): the test stops it for a moment.
(managed ? test : test.skip)('a port taken by a stranger is a one-line error naming the holder, and nothing of ours is harmed', async () => {
  await stopService('nats');
  const stranger = createServer(() => {});
  try {
    await within(5000, 'listen on 4222', new Promise<void>((resolve, reject) => {
      stranger.once('error', reject);
      stranger.listen(4222, '127.0.0.1', resolve);
    }));
    const message = await failure(['up', 'nats']);
    assert.match(message, '(exit 1)');
    assert.match(message, 'port 4222');
    assert.match(message, 'did not start');
    assert.match(message, String(process.pid)); // it names the process holding the port
  } finally {
    await new Promise<void>((resolve) => stranger.close(() => resolve()));
    await startService('nats');
  }
  assert.match(await runServicesScript(['status', 'nats']), /nats\s+running/);
});

test.run();
