import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { countPrimes, decodeJob, decodeResult, encodeJob, encodeResult } from '../../src/cli/prime-jobs.js';

const test = suite('demo jobs');

test('countPrimes agrees with the known prime-counting values', () => {
  assert.is(countPrimes(0, 10), 4); // 2 3 5 7
  assert.is(countPrimes(0, 1000), 168);
  assert.is(countPrimes(0, 100_000), 9592);
  assert.is(countPrimes(0, 500) + countPrimes(500, 1000), 168); // ranges add up
});

test('jobs and results survive their byte encoding', () => {
  assert.equal(decodeJob(encodeJob({ index: 7, from: 4_000_000_000, to: 4_000_001_000 })), { index: 7, from: 4_000_000_000, to: 4_000_001_000 });
  assert.equal(decodeResult(encodeResult(3, 123_456)), { index: 3, primes: 123_456 });
});

test.run();
