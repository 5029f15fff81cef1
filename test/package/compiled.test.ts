// The published package, as a user gets it: compiled JavaScript (no tsx) in a folder with no
// node_modules at all. That proves three things at once: the build works, the in-memory path has
// no runtime dependencies (so it loads no broker client), and the CLI's main job runs from dist.
import { execFile } from 'node:child_process';
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { countPrimes } from '../../src/cli/prime-jobs.js';

const run = promisify(execFile);
const root = new URL('../..', import.meta.url).pathname;
const test = suite('compiled package');
let dir = '';

test.before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'plexspaces-pkg-'));
  await run(process.execPath, [join(root, 'node_modules/typescript/bin/tsc'), '-p', join(root, 'tsconfig.build.json'), '--outDir', join(dir, 'dist')], { cwd: root });
  cpSync(join(root, 'package.json'), join(dir, 'package.json'));
});

test.after(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

/** Runs node in the package folder; no tsx, no node_modules. */
function node(args: string[]) {
  return run(process.execPath, args, { cwd: dir, timeout: 120_000 });
}

test('the main entry imports and works with no dependencies installed', async () => {
  const script = `
    const m = await import('plexspaces-channel');
    const c = new m.InMemoryChannel();
    await c.send(new Uint8Array([7, 8]));
    const got = await c.receive();
    await c.close();
    console.log(JSON.stringify([...got]));`;
  const { stdout } = await node(['--input-type=module', '-e', script]);
  assert.is(stdout.trim(), '[7,8]');
});

test('the native-queue subpath imports on its own', async () => {
  const script = `
    const q = await import('plexspaces-channel/native-queue');
    const r = q.createRing('spsc', { capacityBytes: 1024 });
    r.trySend(new Uint8Array([5]));
    console.log(r.tryReceive()[0]);`;
  const { stdout } = await node(['--input-type=module', '-e', script]);
  assert.is(stdout.trim(), '5');
});

test('the redis subpath and redis:// URLs need ioredis: without it, openChannel says to install it (and the main entry never loaded it)', async () => {
  const script = `
    const m = await import('plexspaces-channel');
    try { await m.openChannel('redis://localhost:6379/jobs'); console.log('opened?!'); }
    catch (e) { console.log(e.code, e.message); }
    try { await import('plexspaces-channel/redis'); console.log('imported?!'); }
    catch (e) { console.log(e.code); }`;
  const { stdout } = await node(['--input-type=module', '-e', script]);
  const [open, subpath] = stdout.trim().split('\n');
  assert.match(open!, /^BackendError .*needs the 'ioredis' package; install it: npm install ioredis/);
  assert.is(subpath, 'ERR_MODULE_NOT_FOUND', 'the subpath exists and fails only on its missing client');
});

test('the CLI demo (the main job) runs from dist and checks every answer', async () => {
  const { stdout } = await node(['dist/src/cli/main.js', 'demo', '--workers', '2', '--jobs', '60', '--span', '1000']);
  assert.match(stdout, `found ${countPrimes(0, 60_000)} primes below 60000`);
  assert.match(stdout, "every job's answer checked");
});

test('the CLI rejects an unknown command with a one-line hint and exit code 2', async () => {
  try {
    await node(['dist/src/cli/main.js', 'frobnicate']);
    assert.unreachable('exited 0');
  } catch (err) {
    const e = err as { code: number; stderr: string };
    assert.is(e.code, 2);
    assert.match(e.stderr, "unknown command 'frobnicate'");
  }
});

test.run();
