// The shapes every bench case shares. A case measures something and returns figures; main.ts
// compares figures against each other (ratios) and against the issues' targets (targets.ts).

/** One measured number. `id` is stable: targets, ratios and the JSON line refer to it. */
export interface Figure {
  id: string;
  /** What was measured, in words, for the table. */
  label: string;
  value: number;
  unit: string;
  /** Which direction is good; ratios are always "ours / peer", this says how to read them. */
  better: 'higher' | 'lower';
  /** Extra facts from the same run (sample count, spread) shown beside the figure. */
  detail?: string;
}

export interface RunContext {
  /** --quick: short runs, enough to prove every case works end to end, figures not meaningful. */
  readonly quick: boolean;
  /** Picks the full-run or the quick-run size of a count or a time budget. */
  size(full: number, quick: number): number;
  /** Progress line on stderr (stdout is kept for the table and the JSON line). */
  log(message: string): void;
}

export interface BenchCase {
  /** Stable id prefix of this case's figures, also what command-line filters match. */
  id: string;
  title: string;
  /** Measure in the first pass only (a count of bytes, not a speed: load does not change it). */
  onePass?: boolean;
  run(ctx: RunContext): Promise<Figure[]>;
}

/**
 * Thrown by a case that cannot run here (a broker that is not reachable): the row says
 * `skipped: <reason>` instead of failing. The quick-bench test accepts a skip only outside CI,
 * where the services may be down; in CI every broker is up and a skip fails it.
 */
export class CaseSkipped extends Error {}
