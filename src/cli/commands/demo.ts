// `plexspaces-channel demo`: the main job (`npm start`) — see ../demo.ts.
import { availableParallelism } from 'node:os';
import type { Command } from 'commander';
import { runDemo } from '../demo.js';
import { wholeNumber } from '../option-parsers.js';

interface DemoFlags {
  workers: number;
  jobs: number;
  span: number;
  killWorkerAfter?: number;
  backend?: string;
  json?: boolean;
}

export function addDemoCommand(program: Command): void {
  program
    .command('demo')
    .description('the main job: a CPU-parallel worker pool fed by a channel (in-memory by default), beside postMessage, every answer checked')
    .option('-w, --workers <n>', 'worker threads (default: one per core)', wholeNumber('--workers'), Math.max(1, availableParallelism()))
    .option('-j, --jobs <n>', 'jobs', wholeNumber('--jobs'), 500)
    .option('--span <n>', 'numbers per job (the size of one unit of work)', wholeNumber('--span'), 20_000)
    .option('--kill-worker-after <n>', 'terminate a worker after n results, to watch the pool recover', wholeNumber('--kill-worker-after'))
    .option('--backend <url>', 'run the same pipeline over a broker (redis://…, kafka://…, nats://…); default: the in-memory channel')
    .option('--json', 'print the figures as one JSON object instead of lines')
    .action(async (flags: DemoFlags) => {
      const report = await runDemo({
        workers: flags.workers,
        jobs: flags.jobs,
        span: flags.span,
        killWorkerAfter: flags.killWorkerAfter ?? 0,
        backend: flags.backend,
        log: flags.json ? () => {} : (line) => console.log(line),
        progress: flags.json ? 'quiet' : 'auto',
      });
      if (flags.json) process.stdout.write(`${JSON.stringify(report)}\n`);
    });
}
