// The published package, as a user gets it: packed with `npm pack`, installed into an empty
// application folder with `npm install` (offline, from npm's cache: the CI run's `npm ci` filled
// it), compiled JavaScript only (no tsx). That proves at once: the build works, the package's
// files and dependencies are declared right (the CLI's commander and cli-progress come along),
// no broker client comes with it (they are optional peer dependencies), and the CLI's main job
// runs from the installed package.
import { execFile } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
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
let workDir = '';

const npm = (args: string[], cwd: string) => run('npm', [...args, '--no-audit', '--no-fund', '--loglevel=error'], { cwd, timeout: 180_000 });

test.before(async () => {
  const work = mkdtempSync(join(tmpdir(), 'plexspaces-pkg-'));
  const pkg = join(work, 'pkg');
  await run(process.execPath, [join(root, 'node_modules/typescript/bin/tsc'), '-p', join(root, 'tsconfig.build.json'), '--outDir', join(pkg, 'dist')], { cwd: root });
  cpSync(join(root, 'package.json'), join(pkg, 'package.json'));
  cpSync(join(root, 'README.md'), join(pkg, 'README.md'));
  await npm(['pack', '--pack-destination', work], pkg);
  dir = join(work, 'app');
  mkdirSync(dir);
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: 'an-app', version: '1.0.0', private: true, type: 'module' }));
  const tarball = readdirSync(work).find((f) => f.endsWith('.tgz'))!;
  await npm(['install', '--offline', join(work, tarball)], dir);
  dir = join(dir, 'node_modules', 'plexspaces-channel');
  workDir = work;
});

test.after(() => {
  if (workDir) rmSync(workDir, { recursive: true, force: true });
});

/** Runs node in the installed package's folder; no tsx, only what npm installed. */
function node(args: string[]) {
  return run(process.execPath, args, { cwd: dir, timeout: 120_000 });
}

test('installing the package brings its CLI dependencies and no broker client', async () => {
  const modules = join(dir, '..');
  for (const needed of ['commander', 'cli-progress']) assert.ok(existsSync(join(modules, needed)), `${needed} was installed with the package`);
  for (const broker of ['ioredis', 'kafkajs', 'nats']) assert.not.ok(existsSync(join(modules, broker)), `${broker} is an optional peer: not installed`);
});

test('the main entry imports and works (it loads no broker client)', async () => {
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

test('the redis subpath and redis:// URLs load ioredis only there: without it, openChannel says to install it', async () => {
  // ioredis is an optional peer: not installed with the package. A node_modules further up (a
  // shared /tmp/node_modules on a dev machine) may still provide it; then the URL must open.
  const script = `
    const m = await import('plexspaces-channel');
    let client = true;
    try { await import('ioredis'); } catch { client = false; }
    if (client) {
      const name = 'pkg-test-' + process.pid;
      try {
        const c = await m.openChannel('redis://127.0.0.1:6379/' + name, { connectTimeoutMs: 1000 });
        await c.close();
        const { Redis } = await import('ioredis');
        const r = new Redis('redis://127.0.0.1:6379');
        await r.del(name, name + ':ps-waiting', name + ':ps-retry:ps-receivers');
        r.disconnect();
        console.log('client opened');
      } catch (e) { console.log('client', e.code); }
    } else {
      try { await m.openChannel('redis://localhost:6379/jobs'); console.log('opened?!'); }
      catch (e) { console.log(e.code, e.message); }
      try { await import('plexspaces-channel/redis'); console.log('imported?!'); }
      catch (e) { console.log(e.code); }
    }`;
  const { stdout } = await node(['--input-type=module', '-e', script]);
  const lines = stdout.trim().split('\n');
  if (lines[0]!.startsWith('client')) {
    console.log('    ℹ ioredis is reachable from the install folder (a node_modules further up): checked that redis:// opens (or fails typed) instead');
    assert.match(lines[0]!, /^client (opened|BackendError)$/);
    return;
  }
  assert.match(lines[0]!, /^BackendError .*needs the 'ioredis' package; install it: npm install ioredis/);
  assert.is(lines[1], 'ERR_MODULE_NOT_FOUND', 'the subpath exists and fails only on its missing client');
});

test('the CLI demo (the main job) runs from dist and checks every answer', async () => {
  const { stdout } = await node(['dist/src/cli/main.js', 'demo', '--workers', '2', '--jobs', '60', '--span', '1000']);
  assert.match(stdout, `found ${countPrimes(0, 60_000)} primes below 60000`);
  assert.match(stdout, 'every answer of both pools checked');
});

test('the demo survives a worker terminated mid-run: it is replaced and every job is still checked', async () => {
  const { stdout } = await node(['dist/src/cli/main.js', 'demo', '--workers', '2', '--jobs', '200', '--span', '2000', '--kill-worker-after', '20']);
  assert.match(stdout, 'terminating a worker thread mid-run');
  assert.match(stdout, /worker \d+ died \(exit code 1\); the pool replaces it and runs its job again/);
  assert.match(stdout, `found ${countPrimes(0, 400_000)} primes below 400000`);
  assert.match(stdout, /recovery: +1 worker\(s\) died and were replaced/);
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
