// The kill tests terminate a thread at a random moment and check the aftermath. That proves
// nothing when no kill landed in the window the file is about (a claim left unfinished, records
// held unmarked, a release half-done), so each file counts the hits of its window — with the
// rings' recovery counters (MpmcRing.claimsAbandoned, recordsAdopted, releasesTakenOver) of the
// handles that survived — and requires a minimum. Where a kill lands is chance: after the fixed
// trials, requireHits() runs extra trials (each with every check of a fixed one) while a count
// is below its minimum, up to a bound, and only then fails. Minimums and bounds are chosen per
// file from measured hit rates, so a run that misses is very unlikely unless the window is
// really no longer hit (then the file fails, as it should: its trials prove nothing).
import * as assert from 'uvu/assert';
import { MpmcRing, type Ring } from '../../native-queue/index.js';

export interface HitCount {
  /** What is counted, e.g. 'claims abandoned'. */
  readonly what: string;
  readonly minimum: number;
  /** The count so far (over every trial run). */
  count(): number;
}

/** The handle's recovery counters (it must be an MPMC ring: the only kind that recovers). */
export function recoveryOf(ring: Ring | unknown): MpmcRing {
  if (!(ring instanceof MpmcRing)) throw new Error('expected an MPMC ring');
  return ring;
}

const describe = (counts: readonly HitCount[]) => counts.map((c) => `${c.count()} ${c.what} (minimum ${c.minimum})`).join(', ');

/**
 * Runs `extraTrial` (numbered from 1) while any count is below its minimum, at most `maxExtra`
 * times; prints the counts, then fails if a minimum is still not reached. `fixed` says what ran
 * before (e.g. '10 trials', '12 kills in 4 rounds').
 */
export async function requireHits(
  file: string,
  fixed: string,
  counts: readonly HitCount[],
  maxExtra: number,
  extraTrial: (extra: number) => Promise<void>,
): Promise<void> {
  let extra = 0;
  while (extra < maxExtra && counts.some((c) => c.count() < c.minimum)) await extraTrial(++extra);
  console.log(`\n  ${file}: ${fixed}${extra ? ` + ${extra} extra` : ''}: ${describe(counts)}`);
  for (const c of counts) {
    assert.ok(
      c.count() >= c.minimum,
      `${file}: only ${c.count()} ${c.what} after ${fixed} + ${extra} extra (minimum ${c.minimum}): the kills no longer hit the window these trials are about, so they prove nothing`,
    );
  }
}
