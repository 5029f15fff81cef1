// The command line as a user runs it: a child process, its stdout, its stderr (one line, never a
// stack trace) and its exit code. The broker round trips live in cli-brokers.test.ts.
import { execFile } from 'node:child_process';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { countPrimes } from '../../src/cli/prime-jobs.js';

const test = suite('the CLI');
const root = new URL('../..', import.meta.url).pathname;

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs `plexspaces-channel ARGS` from source, with optional stdin. */
export function cli(args: string[], stdin?: string | Uint8Array, timeoutMs = 60_000): Promise<Run> {
  return new Promise((resolve) => {
    const child = execFile(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', ...args], { cwd: root, timeout: timeoutMs, encoding: 'buffer', maxBuffer: 64 << 20 }, (error, stdout, stderr) => {
      const code = error ? (typeof (error as { code?: unknown }).code === 'number' ? (error as { code: number }).code : 1) : 0;
      resolve({ code, stdout: stdout.toString(), stderr: stderr.toString() });
    });
    if (stdin !== undefined) child.stdin!.end(stdin);
    else child.stdin!.end();
  });
}

/** One line on stderr that names the problem; never a stack trace. */
function assertOneLineError(run: Run, pattern: RegExp | string, what: string): void {
  const lines = run.stderr.trim().split('\n').filter((l) => l !== '(add --help for usage)');
  assert.is(lines.length, 1, `${what}: one line on stderr, got:\n${run.stderr}`);
  assert.match(lines[0]!, pattern, what);
  assert.not.match(run.stderr, /\n\s+at /, `${what}: no stack trace`);
}

test('--help and --version exit 0; every subcommand has its own --help', async () => {
  const help = await cli(['--help']);
  assert.is(help.code, 0);
  for (const command of ['demo', 'send', 'recv', 'info', 'stats', 'bench']) assert.match(help.stdout, command);
  assert.match(help.stdout, 'Exit codes: 0 success, 1 failure, 2 usage error, 3 timeout');
  const version = await cli(['--version']);
  assert.is(version.code, 0);
  assert.match(version.stdout, /^\d+\.\d+\.\d+/);
  for (const command of ['send', 'recv', 'bench']) {
    const sub = await cli([command, '--help']);
    assert.is(sub.code, 0, `${command} --help`);
    assert.match(sub.stdout, `Usage: plexspaces-channel ${command}`);
  }
});

test('an unknown command, an unknown flag and a bad flag value are usage errors: one line, exit 2', async () => {
  const unknown = await cli(['frobnicate']);
  assert.is(unknown.code, 2);
  assertOneLineError(unknown, "unknown command 'frobnicate'", 'unknown command');
  const flag = await cli(['recv', 'redis://127.0.0.1:6379/x', '--bogus']);
  assert.is(flag.code, 2);
  assertOneLineError(flag, "unknown option '--bogus'", 'unknown flag');
  const value = await cli(['recv', 'redis://127.0.0.1:6379/x', '--count', 'many']);
  assert.is(value.code, 2);
  assertOneLineError(value, "--count is 'many'", 'bad value');
  const mode = await cli(['recv', 'redis://127.0.0.1:6379/x', '--ack', 'maybe']);
  assert.is(mode.code, 2);
  assertOneLineError(mode, '--ack is', 'bad ack mode');
  const format = await cli(['recv', 'redis://127.0.0.1:6379/x', '--format', '%q']);
  assert.is(format.code, 2);
  assertOneLineError(format, 'unknown placeholder %q', 'bad format');
});

test('a malformed URL is a usage error naming the accepted forms (exit 2)', async () => {
  const run = await cli(['send', 'amqp://localhost/jobs', 'hi']);
  assert.is(run.code, 2);
  assertOneLineError(run, /unknown scheme 'amqp'.*memory:NAME/, 'bad URL');
});

test("memory: URLs are refused by send and recv with why (a message would die with the process), exit 2", async () => {
  for (const command of [['send', 'memory:jobs', 'hi'], ['recv', 'memory:jobs'], ['info', 'memory:jobs']]) {
    const run = await cli(command);
    assert.is(run.code, 2, command.join(' '));
    assertOneLineError(run, 'exists only inside one process', command.join(' '));
  }
});

test('bench memory:NAME measures the in-memory channel and prints one JSON object with --json', async () => {
  const run = await cli(['bench', 'memory:cli-bench', '--count', '2000', '--json']);
  assert.is(run.code, 0, run.stderr);
  const figures = JSON.parse(run.stdout) as Record<string, number>;
  assert.is(figures.messages, 2000);
  for (const k of ['sendPerSec', 'receivePerSec', 'latencyP50Ms', 'latencyP99Ms']) assert.ok(Number.isFinite(figures[k]) && figures[k]! >= 0, `${k} is a figure: ${figures[k]}`);
});

test('demo --json on a small workload: every job answered and checked, the counts add up', async () => {
  // The demo's worker threads run compiled JavaScript (npm start builds first): build, then run dist.
  await new Promise<void>((resolve, reject) =>
    execFile(process.execPath, ['node_modules/typescript/bin/tsc', '-p', 'tsconfig.build.json'], { cwd: root }, (err) => (err ? reject(err) : resolve())),
  );
  const run = await new Promise<Run>((resolve) =>
    execFile(process.execPath, ['dist/src/cli/main.js', 'demo', '--workers', '2', '--jobs', '40', '--span', '500', '--json'], { cwd: root, timeout: 120_000 }, (error, stdout, stderr) =>
      resolve({ code: error ? Number((error as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    ),
  );
  assert.is(run.code, 0, run.stderr);
  const report = JSON.parse(run.stdout) as { primes: number; crashes: number; duplicates: number; resent: number };
  assert.is(report.primes, countPrimes(0, 40 * 500));
  assert.is(report.crashes, 0);
});

test.run();
