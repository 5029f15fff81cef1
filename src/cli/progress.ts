// Progress for long commands (demo, bench): a live bar on a terminal (cli-progress), plain lines
// at every quarter when stdout is not a terminal (CI logs, pipes) — and nothing with --json, whose
// stdout is the JSON object alone.
import { Presets, SingleBar } from 'cli-progress';

export interface Progress {
  update(done: number): void;
  stop(): void;
}

export function progress(label: string, total: number, mode: 'auto' | 'quiet' = 'auto'): Progress {
  if (mode === 'quiet' || total <= 0) return { update() {}, stop() {} };
  if (process.stderr.isTTY) {
    const bar = new SingleBar(
      { format: `${label.padEnd(10)} [{bar}] {percentage}% | {value}/{total} | {eta_formatted} left`, hideCursor: true, stream: process.stderr, etaBuffer: 50 },
      Presets.shades_classic,
    );
    bar.start(total, 0);
    return { update: (done) => bar.update(done), stop: () => bar.stop() };
  }
  let next = 0.25;
  return {
    update(done) {
      while (done / total >= next && next <= 1) {
        process.stderr.write(`${label}: ${Math.round(next * 100)}% (${done}/${total})\n`);
        next += 0.25;
      }
    },
    stop() {},
  };
}
