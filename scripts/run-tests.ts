// Runs every test file in its own Node process (through tsx, so worker threads load TypeScript
// too), and ends with one line: `N passed, N failed, N skipped`.
//
// Why one process per file: a stress test that wedges a thread, or an integration test that leaves
// a socket open, must not take the rest of the run down with it. A file that does not finish in
// time, or finishes its tests but never exits (leaked handles), is counted as a failure.
//
// Order: first every file that needs no broker, one at a time (the stress and kill tests spin
// threads and measure stalls: they get the machine's cores to themselves). Then the brokers'
// files, one LANE per broker running side by side — they mostly wait on their broker — and the
// files of one lane one after another, because a lane's restart and kill tests take its broker
// down. A file belongs to a broker's lane when its path names the broker (redis, nats, kafka).
// The output of a file is printed whole when it ends, so lanes never interleave lines.
//
// Usage: npm test [-- <path fragment> ...]   e.g. `npm test -- native-queue conformance`
import { spawn } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const FILE_TIMEOUT_MS = Number(process.env.TEST_FILE_TIMEOUT_MS ?? 10 * 60_000);
const EXIT_GRACE_MS = 15_000;
const BROKER_LANES = ['redis', 'nats', 'kafka'] as const;

function findTestFiles(dir: string): string[] {
  const found: string[] = [];
  for (const entry of readdirSync(dir).sort()) {
    const path = join(dir, entry);
    if (statSync(path).isDirectory()) found.push(...findTestFiles(path));
    else if (entry.endsWith('.test.ts')) found.push(path);
  }
  return found;
}

interface FileResult {
  passed: number;
  failed: number;
  skipped: number;
}

/** Reads uvu's summary block ("Total: N / Passed: N / Skipped: N"). */
function parseSummary(output: string): FileResult | undefined {
  const total = /Total:\s+(\d+)/.exec(output);
  const passed = /Passed:\s+(\d+)/.exec(output);
  const skipped = /Skipped:\s+(\d+)/.exec(output);
  if (!total || !passed || !skipped) return undefined;
  const t = Number(total[1]);
  const p = Number(passed[1]);
  return { passed: p, failed: t - p, skipped: Number(skipped[1]) };
}

/** Runs one file; `print` gets its whole output (and verdict) once it has ended. */
function runFile(file: string, print: (text: string) => void): Promise<FileResult> {
  return new Promise((resolve) => {
    const started = performance.now();
    const child = spawn(process.execPath, ['--import', 'tsx', file], {
      cwd: root,
      env: { ...process.env, FORCE_COLOR: '0', NO_COLOR: '1' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    let problem = '';
    let graceTimer: NodeJS.Timeout | undefined;
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      // uvu prints "Duration:" last; a process still alive well after that leaked a handle.
      if (!graceTimer && /Duration:/.test(output)) {
        graceTimer = setTimeout(() => {
          problem = `finished its tests but did not exit within ${EXIT_GRACE_MS / 1000}s (an open handle: a socket, timer or worker left running)`;
          child.kill('SIGKILL');
        }, EXIT_GRACE_MS);
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    const timeout = setTimeout(() => {
      problem = `did not finish within ${FILE_TIMEOUT_MS / 1000}s`;
      child.kill('SIGKILL');
    }, FILE_TIMEOUT_MS);
    child.on('close', (code, signal) => {
      clearTimeout(timeout);
      if (graceTimer) clearTimeout(graceTimer);
      const seconds = ((performance.now() - started) / 1000).toFixed(1);
      let text = `\n━━ ${relative(root, file)} (${seconds} s)\n${output}`;
      const summary = parseSummary(output);
      if (!summary) {
        text += `\n  ✘ ${relative(root, file)}: ${problem || `exited (${signal ?? code}) before printing a summary`}\n`;
        print(text);
        resolve({ passed: 0, failed: 1, skipped: 0 });
        return;
      }
      if (problem || (code !== 0 && summary.failed === 0)) {
        text += `\n  ✘ ${relative(root, file)}: ${problem || `exited with code ${code} after its tests passed`}\n`;
        summary.failed += 1;
      }
      print(text);
      resolve(summary);
    });
  });
}

function laneOf(file: string): string | undefined {
  const path = relative(root, file).toLowerCase();
  return BROKER_LANES.find((broker) => path.includes(broker));
}

const filters = process.argv.slice(2);
const files = findTestFiles(join(root, 'test')).filter(
  (f) => filters.length === 0 || filters.some((frag) => relative(root, f).includes(frag)),
);
if (files.length === 0) {
  console.log(`no test files matched ${filters.join(' ')}`);
  console.log('0 passed, 1 failed, 0 skipped');
  process.exit(1);
}

const totals: FileResult = { passed: 0, failed: 0, skipped: 0 };
const add = (r: FileResult) => {
  totals.passed += r.passed;
  totals.failed += r.failed;
  totals.skipped += r.skipped;
};
const print = (text: string) => process.stdout.write(text);

for (const file of files.filter((f) => laneOf(f) === undefined)) add(await runFile(file, print));

const lanes = BROKER_LANES.map((broker) => files.filter((f) => laneOf(f) === broker)).filter((lane) => lane.length > 0);
await Promise.all(
  lanes.map(async (lane) => {
    for (const file of lane) add(await runFile(file, print));
  }),
);

console.log(`\n${totals.passed} passed, ${totals.failed} failed, ${totals.skipped} skipped`);
process.exit(totals.failed > 0 ? 1 : 0);
