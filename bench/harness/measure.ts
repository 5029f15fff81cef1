// Small helpers shared by the cases: repetitions and their summary, clock, and the scratch data
// every case sends, so that peers and our rings move the very same bytes.

/** Nanoseconds from a monotonic clock as a double. performance.now() costs ~60 ns here, less than hrtime.bigint(). */
export function nowNs(): number {
  return performance.now() * 1e6;
}

export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/** "median of N runs, min–max" for the detail column. */
export function describeRuns(values: readonly number[], format: (v: number) => string): string {
  if (values.length === 1) return '1 run';
  const min = Math.min(...values);
  const max = Math.max(...values);
  return `median of ${values.length} runs, ${format(min)}–${format(max)}`;
}

/** A message of `size` bytes with varied content (not all zeros, which some paths could special-case). */
export function makeMessage(size: number, seed = 1): Uint8Array {
  const bytes = new Uint8Array(size);
  for (let i = 0; i < size; i++) bytes[i] = (i * 31 + seed) & 0xff;
  return bytes;
}

export const MESSAGE_BYTES = 64;

/** Formats a rate for detail text: 1234567 → "1.23 M". */
export function compact(value: number): string {
  if (!Number.isFinite(value)) return String(value);
  const abs = Math.abs(value);
  if (abs >= 1e9) return `${(value / 1e9).toFixed(2)} G`;
  if (abs >= 1e6) return `${(value / 1e6).toFixed(2)} M`;
  if (abs >= 1e3) return `${(value / 1e3).toFixed(1)} k`;
  return value.toFixed(abs >= 10 ? 1 : 3);
}

/** Gives the event loop a turn (lets queued worker messages and GC callbacks arrive). */
export function tick(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}
