// The demo's unit of CPU work: count the primes in [from, to). Honest work (trial division) whose
// answer can be checked, small enough that the channel's handoff cost shows in the figures.

export interface PrimeJob {
  index: number;
  from: number;
  to: number;
}

export function countPrimes(from: number, to: number): number {
  let count = 0;
  for (let n = Math.max(from, 2); n < to; n++) {
    if (n < 4) {
      count++;
      continue;
    }
    if (n % 2 === 0) continue;
    let prime = true;
    for (let d = 3; d * d <= n; d += 2) {
      if (n % d === 0) {
        prime = false;
        break;
      }
    }
    if (prime) count++;
  }
  return count;
}

export function encodeJob(job: PrimeJob): Uint8Array {
  const bytes = new Uint8Array(12);
  const view = new DataView(bytes.buffer);
  view.setUint32(0, job.index, true);
  view.setUint32(4, job.from, true);
  view.setUint32(8, job.to, true);
  return bytes;
}

export function decodeJob(bytes: Uint8Array): PrimeJob {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  return { index: view.getUint32(0, true), from: view.getUint32(4, true), to: view.getUint32(8, true) };
}

export function encodeResult(index: number, primes: number): Uint8Array {
  const bytes = new Uint8Array(8);
  const view = new DataView(bytes.buffer);
  view.setUint32(0, index, true);
  view.setUint32(4, primes, true);
  return bytes;
}

export function decodeResult(bytes: Uint8Array): { index: number; primes: number } {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  return { index: view.getUint32(0, true), primes: view.getUint32(4, true) };
}
