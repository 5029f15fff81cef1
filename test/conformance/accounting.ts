// Counting what arrived against what was sent: lost, duplicated and unexpected, each apart.
//
// Under at-least-once a broker may deliver a message twice without a nack or a missed deadline (a
// rebalance, a reconnect): `capabilities.mayDuplicate` says so. A loss is never allowed; a
// duplicate fails unless the backend declares it may duplicate, and even then the count is printed
// so a backend that duplicates a lot is noticed. Exactly-once checks (assertExactlyOnce) stay where
// the contract promises it: a committed transaction's output.
import * as assert from 'uvu/assert';
import type { Capabilities } from '../../src/channel.js';

export interface Accounting {
  /** Expected payloads that never arrived. */
  readonly lost: string[];
  /** Payload -> copies beyond the ones the case itself sent (the backend's duplicates). */
  readonly duplicated: ReadonlyMap<string, number>;
  /** Copies the backend delivered twice, in all. */
  readonly duplicateCopies: number;
  /** Payloads that arrived but were never sent (another channel's, or corrupted). */
  readonly unexpected: string[];
}

/**
 * Compares `got` (every delivery, duplicates included) with `expected` (distinct payloads).
 * `sentTimes` names payloads the case itself sent more than once (a send retried after an
 * ambiguous failure may have been accepted twice): that many copies are not the backend's doing.
 */
export function account(got: readonly string[], expected: readonly string[], sentTimes?: ReadonlyMap<string, number>): Accounting {
  const counts = new Map<string, number>();
  for (const g of got) counts.set(g, (counts.get(g) ?? 0) + 1);
  const wanted = new Set(expected);
  const lost = expected.filter((e) => !counts.has(e));
  const unexpected = [...counts.keys()].filter((k) => !wanted.has(k));
  const duplicated = new Map<string, number>();
  let duplicateCopies = 0;
  for (const [body, n] of counts) {
    if (!wanted.has(body)) continue;
    const extra = n - Math.max(1, sentTimes?.get(body) ?? 1);
    if (extra > 0) {
      duplicated.set(body, extra);
      duplicateCopies += extra;
    }
  }
  return { lost, duplicated, duplicateCopies, unexpected };
}

function describe(a: Accounting, got: number, expected: number): string {
  const dup = [...a.duplicated.keys()];
  return (
    `got ${got} deliveries of ${expected} messages; lost ${a.lost.length} (${a.lost.slice(0, 5).join(', ')}), ` +
    `duplicated ${dup.length} (${a.duplicateCopies} extra copies: ${dup.slice(0, 5).join(', ')}), ` +
    `unexpected ${a.unexpected.length} (${a.unexpected.slice(0, 5).join(', ')})`
  );
}

/**
 * The at-least-once rule: every expected payload arrived; nothing foreign did; duplicates only
 * where `capabilities.mayDuplicate` (then counted and printed). Returns the accounting.
 */
export function assertNoneLost(
  got: readonly string[],
  expected: readonly string[],
  what: string,
  capabilities: Pick<Capabilities, 'mayDuplicate'>,
  sentTimes?: ReadonlyMap<string, number>,
): Accounting {
  const a = account(got, expected, sentTimes);
  const summary = describe(a, got.length, expected.length);
  assert.ok(a.lost.length === 0, `${what}: messages lost — ${summary}`);
  assert.ok(a.unexpected.length === 0, `${what}: messages that were never sent arrived — ${summary}`);
  if (a.duplicateCopies > 0) {
    assert.ok(capabilities.mayDuplicate, `${what}: duplicates on a backend that does not declare mayDuplicate — ${summary}`);
    console.log(`    ℹ ${what}: ${a.duplicateCopies} duplicate deliveries of ${a.duplicated.size} messages (allowed: the backend declares mayDuplicate)`);
  }
  return a;
}

/** Asserts that `got` holds each of `expected` exactly once (order ignored); names what is missing or doubled. */
export function assertExactlyOnce(got: readonly string[], expected: readonly string[], what: string): void {
  const a = account(got, expected);
  assert.ok(
    a.lost.length === 0 && a.duplicateCopies === 0 && a.unexpected.length === 0 && got.length === expected.length,
    `${what}: ${describe(a, got.length, expected.length)}`,
  );
}
