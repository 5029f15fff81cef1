// Runs every test file in its own Node process (through tsx, so worker threads load TypeScript
// too), streams its output, and ends with one line: `N passed, N failed, N skipped`.
//
// Why one process per file: a stress test that wedges a thread, or an integration test that leaves
// a socket open, must not take the rest of the run down with it. A file that does not finish in
// time, or finishes its tests but never exits (leaked handles), is counted as a failure.
//
// Usage: npm test [-- <path fragment> ...]   e.g. `npm test -- native-queue conformance`
import { spawn } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const FILE_TIMEOUT_MS = Number(process.env.TEST_FILE_TIMEOUT_MS ?? 10 * 60_000);
const EXIT_GRACE_MS = 15_000;

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

function runFile(file: string): Promise<FileResult> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', file], {
      cwd: root,
      env: { ...process.env, FORCE_COLOR: '0', NO_COLOR: '1' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    let problem = '';
    let graceTimer: NodeJS.Timeout | undefined;
    const onData = (sink: NodeJS.WriteStream) => (chunk: Buffer) => {
      sink.write(chunk);
      output += chunk.toString();
      // uvu prints "Duration:" last; a process still alive well after that leaked a handle.
      if (!graceTimer && /Duration:/.test(output)) {
        graceTimer = setTimeout(() => {
          problem = `finished its tests but did not exit within ${EXIT_GRACE_MS / 1000}s (an open handle: a socket, timer or worker left running)`;
          child.kill('SIGKILL');
        }, EXIT_GRACE_MS);
      }
    };
    child.stdout.on('data', onData(process.stdout));
    child.stderr.on('data', onData(process.stderr));
    const timeout = setTimeout(() => {
      problem = `did not finish within ${FILE_TIMEOUT_MS / 1000}s`;
      child.kill('SIGKILL');
    }, FILE_TIMEOUT_MS);
    child.on('close', (code, signal) => {
      clearTimeout(timeout);
      if (graceTimer) clearTimeout(graceTimer);
      const summary = parseSummary(output);
      if (!summary) {
        console.log(`\n  ✘ ${relative(root, file)}: ${problem || `exited (${signal ?? code}) before printing a summary`}`);
        resolve({ passed: 0, failed: 1, skipped: 0 });
        return;
      }
      if (problem || (code !== 0 && summary.failed === 0)) {
        console.log(`\n  ✘ ${relative(root, file)}: ${problem || `exited with code ${code} after its tests passed`}`);
        summary.failed += 1;
      }
      resolve(summary);
    });
  });
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
for (const file of files) {
  console.log(`\n━━ ${relative(root, file)}`);
  const r = await runFile(file);
  totals.passed += r.passed;
  totals.failed += r.failed;
  totals.skipped += r.skipped;
}
console.log(`\n${totals.passed} passed, ${totals.failed} failed, ${totals.skipped} skipped`);
process.exit(totals.failed > 0 ? 1 : 0);
