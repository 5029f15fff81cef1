// The demo's task module (src/cli/demo.ts): the pool runs its default export on a worker thread
// for each job — count the primes in the job's range — and sends back the answer.
import { countPrimes, decodeJob, encodeResult } from '../src/cli/prime-jobs.js';

export default function countPrimesTask(job: Uint8Array): Uint8Array {
  const { index, from, to } = decodeJob(job);
  return encodeResult(index, countPrimes(from, to));
}
