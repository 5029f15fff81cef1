// The pool, the patterns and the metrics module as a user gets them: compiled JavaScript in a
// folder with no node_modules. Proves that the built pool starts its worker script from dist (no
// tsx), that a plain .mjs task module works, and that these subpaths load none of their optional
// peer dependencies (prom-client, @opentelemetry/api); the resilience subpath needs cockatiel
// and says so by failing to resolve it.
import { execFile } from 'node:child_process';
import { cpSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';

const run = promisify(execFile);
const root = new URL('../..', import.meta.url).pathname;
const test = suite('compiled pool, patterns and metrics');
let dir = '';

test.before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'plexspaces-pool-pkg-'));
  await run(process.execPath, [join(root, 'node_modules/typescript/bin/tsc'), '-p', join(root, 'tsconfig.build.json'), '--outDir', join(dir, 'dist')], { cwd: root });
  cpSync(join(root, 'package.json'), join(dir, 'package.json'));
  writeFileSync(join(dir, 'double.mjs'), 'export default (bytes) => bytes.map((b) => b * 2);\n');
});

test.after(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

function node(script: string) {
  return run(process.execPath, ['--input-type=module', '-e', script], { cwd: dir, timeout: 120_000 });
}

test('Pool from dist: workers start from the built script and run a .mjs task module', async () => {
  const { stdout } = await node(`
    const { Pool } = await import('plexspaces-channel/pool');
    const pool = new Pool({ filename: new URL('./double.mjs', 'file://' + process.cwd() + '/'), minThreads: 2, maxThreads: 2 });
    const started = performance.now();
    const first = await pool.run(new Uint8Array([1, 2, 3]));
    const startMs = performance.now() - started;
    const many = await Promise.all(Array.from({ length: 1000 }, (_, i) => pool.run(new Uint8Array([i & 0x7f]))));
    await pool.close();
    console.log(JSON.stringify({ first: [...first], ok: many.every((r, i) => r[0] === ((i & 0x7f) * 2)), threads: pool.stats().threads, startMs }));`);
  const out = JSON.parse(stdout.trim());
  assert.equal(out.first, [2, 4, 6]);
  assert.ok(out.ok, 'every result is its task doubled');
  assert.is(out.threads, 0, 'closed');
  console.log(`    (from dist: first result ${Math.round(out.startMs)} ms after new Pool(), thread start included)`);
});

test('the patterns and metrics subpaths load without prom-client or @opentelemetry/api installed', async () => {
  const { stdout } = await node(`
    const p = await import('plexspaces-channel/patterns');
    const m = await import('plexspaces-channel/metrics');
    const { InMemoryChannel } = await import('plexspaces-channel');
    const sources = new m.MetricSources();
    const c = new InMemoryChannel();
    sources.addChannel(c);
    console.log(typeof p.WorkerQueue, typeof m.exposeToPrometheus, sources.read().length > 0);
    await c.close();`);
  assert.is(stdout.trim(), 'function function true');
});

test('the resilience subpath names its missing peer dependency', async () => {
  try {
    await node(`await import('plexspaces-channel/resilience');`);
    assert.unreachable('imported without cockatiel');
  } catch (err) {
    assert.match((err as { stderr: string }).stderr, /cockatiel/);
  }
});

test.run();
