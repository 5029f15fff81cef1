// A log-linear latency histogram (the HdrHistogram idea, written small): values in nanoseconds,
// exact below 64 ns, then 32 buckets per power of two (about 3 % precision). Recording is a few
// integer operations and allocates nothing, so it can sit inside a timed round-trip loop, and
// percentiles come from every sample rather than from a mean.

const SUB_BUCKET_BITS = 5;
const SUB_BUCKETS = 1 << SUB_BUCKET_BITS; // 32
const LINEAR_LIMIT = SUB_BUCKETS * 2; // values below this get their own bucket
const MAX_VALUE = 2 ** 31 - 1; // ~2.1 s; longer samples are clamped (and counted as such)
const BUCKET_COUNT = (31 - SUB_BUCKET_BITS + 1) * SUB_BUCKETS;

function bucketOf(ns: number): number {
  const v = ns <= 0 ? 0 : ns >= MAX_VALUE ? MAX_VALUE : Math.floor(ns);
  if (v < LINEAR_LIMIT) return v;
  const highestBit = 31 - Math.clz32(v);
  const shift = highestBit - SUB_BUCKET_BITS;
  const top = v >>> shift; // in [32, 63]
  return (shift + 1) * SUB_BUCKETS + (top - SUB_BUCKETS);
}

/** The middle of a bucket's value range, in ns: what a percentile landing in it reports. */
function valueOf(bucket: number): number {
  if (bucket < LINEAR_LIMIT) return bucket;
  const shift = Math.floor(bucket / SUB_BUCKETS) - 1;
  const top = (bucket % SUB_BUCKETS) + SUB_BUCKETS;
  return top * 2 ** shift + (2 ** shift - 1) / 2;
}

export class LatencyHistogram {
  /** Plain numbers so the counts cross threads with postMessage as-is. */
  readonly counts: Float64Array;
  total = 0;
  clamped = 0;

  constructor(counts?: Float64Array) {
    this.counts = counts ?? new Float64Array(BUCKET_COUNT);
    if (counts) for (const c of counts) this.total += c;
  }

  record(ns: number): void {
    if (ns >= MAX_VALUE) this.clamped++;
    this.counts[bucketOf(ns)]! += 1;
    this.total++;
  }

  /** The value (ns) at or below which `fraction` of the samples fall, e.g. 0.99 for p99. */
  percentile(fraction: number): number {
    if (this.total === 0) return Number.NaN;
    const rank = Math.max(1, Math.ceil(fraction * this.total));
    let seen = 0;
    for (let b = 0; b < this.counts.length; b++) {
      seen += this.counts[b]!;
      if (seen >= rank) return valueOf(b);
    }
    return valueOf(this.counts.length - 1);
  }
}
