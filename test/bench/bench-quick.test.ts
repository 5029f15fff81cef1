// A smoke check of `npm run bench`: a quick run measures every case (peers and ours), none fails,
// and its last line is the JSON object the README's figures come from. It asserts no speed: the
// figures of a quick run mean nothing, and tests never judge wall-clock time.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';

const run = promisify(execFile);
const root = new URL('../..', import.meta.url).pathname;
const test = suite('bench --quick');

test('every case is measured, none fails, the last line is the JSON summary', async () => {
  const { stdout } = await run(process.execPath, ['--import', 'tsx', 'bench/main.ts', '--quick'], {
    cwd: root,
    timeout: 240_000,
    maxBuffer: 16 << 20,
  });
  const lines = stdout.trim().split('\n');
  const summary = JSON.parse(lines.at(-1)!) as { figures: Record<string, { value: number }>; cases: Array<{ id: string; status: string }> };
  assert.ok(summary.cases.length >= 10, `only ${summary.cases.length} cases reported`);
  // A broker case skips where its broker is down; in CI every broker is up, so nothing may skip.
  const inCI = process.env.CI === 'true' || process.env.CI === '1';
  for (const c of summary.cases) assert.ok(c.status === 'ok' || (!inCI && c.status === 'skipped'), `case ${c.id}: ${c.status}`);
  for (const [name, figure] of Object.entries(summary.figures)) {
    assert.ok(Number.isFinite(figure.value) && figure.value >= 0, `figure ${name} is ${figure.value}`);
  }
  // Peers and ours are both in the run, so the ratios are comparable.
  for (const needed of ['peer.postmessage.oneway.mainToWorker', 'peer.ringbufjs.64b', 'ring.spsc.64b.batch']) {
    assert.ok(needed in summary.figures, `${needed} missing`);
  }
});

test.run();
