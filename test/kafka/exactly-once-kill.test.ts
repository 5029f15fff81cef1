// Exactly-once on Kafka, the hard way: a processor (a child process) consumes jobs, produces a
// result and acks the job in one transaction; it is killed with SIGKILL while a transaction is
// being committed, and started again. A read-committed reader must see every job's result
// exactly once; a read-uncommitted reader shows that the kill did cut a transaction (an aborted
// result it wrote is in the log). Three kills; about 40 s (each restart waits for the dead member
// to leave the group: sessionTimeoutMs 6 s).
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import * as assert from 'uvu/assert';
import kafkajs from 'kafkajs';
import { serviceSuite, within } from '../support/services.js';
import { brokers, cleanupTopics, decode, encode, open, topicName } from './helpers.js';

const test = await serviceSuite('kafka: exactly-once through a killed processor', 'kafka');
const worker = fileURLToPath(new URL('./workers/eos-processor.ts', import.meta.url));
const JOBS = 150;
const KILLS = 3;

interface Processor {
  child: ChildProcess;
  lines: string[];
  /** Resolves when a line matching `pattern` has been printed. */
  until(pattern: (line: string) => boolean, ms: number): Promise<void>;
}

function startProcessor(input: string, output: string): Processor {
  const child = spawn(process.execPath, ['--import', 'tsx', worker, brokers.join(','), input, output], { stdio: ['ignore', 'pipe', 'inherit'] });
  const lines: string[] = [];
  const listeners = new Set<() => void>();
  let rest = '';
  child.stdout!.on('data', (chunk: Buffer) => {
    const parts = (rest + chunk.toString()).split('\n');
    rest = parts.pop()!;
    lines.push(...parts);
    for (const l of listeners) l();
  });
  return {
    child,
    lines,
    until: (pattern, ms) =>
      within(
        ms,
        'the processor printing what the test waits for',
        new Promise<void>((resolve, reject) => {
          const check = () => {
            if (lines.some(pattern)) {
              listeners.delete(check);
              resolve();
            }
          };
          child.once('exit', (code) => reject(new Error(`the processor exited (${code}) before printing it; last lines: ${lines.slice(-3).join(' | ')}`)));
          listeners.add(check);
          check();
        }),
      ),
  };
}

/** Kills the processor inside a commit: the moment its last line is "work-done" (the commit has begun). */
async function killMidCommit(p: Processor, afterCommits: number): Promise<boolean> {
  await p.until(() => p.lines.filter((l) => l.startsWith('committed')).length >= afterCommits, 60_000);
  await p.until(() => p.lines.at(-1)?.startsWith('work-done') ?? false, 30_000);
  // A commit takes 10-50 ms here: a kill somewhere inside it, before or after its records were
  // written, but before the transaction ended.
  await new Promise((resolve) => setTimeout(resolve, Math.random() * 20));
  p.child.kill('SIGKILL');
  await new Promise((resolve) => p.child.once('exit', resolve));
  const last = p.lines.at(-1) ?? '';
  return last.startsWith('work-done');
}

async function readAll(topic: string, readUncommitted: boolean, quietMs: number): Promise<string[]> {
  const kafka = new kafkajs.Kafka({ brokers, clientId: 'eos-reader', logLevel: kafkajs.logLevel.NOTHING });
  const consumer = kafka.consumer({ groupId: `${topic}.reader-${readUncommitted ? 'all' : 'committed'}`, readUncommitted, maxWaitTimeInMs: 200 });
  const got: string[] = [];
  let last = Date.now();
  await consumer.connect();
  await consumer.subscribe({ topics: [topic], fromBeginning: true });
  await consumer.run({ eachMessage: async ({ message }) => void (got.push(message.value!.toString()), (last = Date.now())) });
  const began = Date.now();
  while (Date.now() - last < quietMs || Date.now() - began < quietMs * 2) await new Promise((r) => setTimeout(r, 100));
  await consumer.disconnect();
  return got;
}

test(`${JOBS} jobs through a processor killed (SIGKILL) ${KILLS} times inside a commit: a read-committed reader sees each result exactly once`, async () => {
  const input = topicName('eos-in');
  const output = topicName('eos-out');
  const sender = await open(input);
  const outputHandle = await open(output); // creates the output topic before the processor runs
  const processors: Processor[] = [];
  try {
    const jobs = Array.from({ length: JOBS }, (_, i) => `job-${i}`);
    await sender.sendBatch(jobs.map(encode));
    let killedMidCommit = 0;
    for (let k = 0; k < KILLS; k++) {
      const p = startProcessor(input, output);
      processors.push(p);
      if (await killMidCommit(p, 10 + k * 30)) killedMidCommit++;
    }
    const last = startProcessor(input, output);
    processors.push(last);
    const committedEver = () => new Set(processors.flatMap((p) => p.lines.filter((l) => l.startsWith('committed ')).map((l) => l.slice('committed '.length))));
    const until = performance.now() + 120_000;
    while (committedEver().size < JOBS && performance.now() < until && last.child.exitCode === null) await new Promise((r) => setTimeout(r, 200));
    assert.is(committedEver().size, JOBS, `the last processor finished the jobs (exit ${last.child.exitCode}; last lines: ${last.lines.slice(-4).join(' | ')})`);
    last.child.kill('SIGKILL');
    assert.ok(killedMidCommit >= 1, `no kill landed inside a commit (${killedMidCommit} of ${KILLS}): nothing was tested`);

    const committed = await readAll(output, false, 1500);
    const counts = new Map<string, number>();
    for (const r of committed) counts.set(r, (counts.get(r) ?? 0) + 1);
    const lost = jobs.filter((j) => !counts.has(`result of ${j}`));
    const doubled = [...counts].filter(([, n]) => n > 1).map(([r]) => r);
    assert.equal(lost, [], 'every job has a committed result');
    assert.equal(doubled, [], 'no job has two committed results');
    assert.is(committed.length, JOBS);
    const everything = await readAll(output, true, 1500);
    console.log(`    ℹ ${killedMidCommit} of ${KILLS} kills inside a commit; the log holds ${everything.length} results, ${everything.length - committed.length} of them from aborted transactions`);
  } finally {
    for (const p of processors) if (p.child.exitCode === null) p.child.kill('SIGKILL');
    await sender.close();
    await outputHandle.close();
    await cleanupTopics(input, output);
  }
});

test.run();
