// A log-linear latency histogram (in the spirit of HdrHistogram): 16 sub-buckets per power of two
// of microseconds, so any percentile is within ~6% of the true value, from 1 µs to ~1 hour, in a
// fixed 1 KiB-ish array with no allocation per sample.

const SUB_BUCKET_BITS = 4;
const SUB_BUCKETS = 1 << SUB_BUCKET_BITS;
const MAX_EXPONENT = 32; // 2^32 µs ≈ 71 minutes; larger samples land in the last bucket

export class LatencyHistogram {
  private readonly buckets = new Float64Array((MAX_EXPONENT + 1) * SUB_BUCKETS);
  private samples = 0;
  private largest = 0;

  get count(): number {
    return this.samples;
  }

  /** Largest sample recorded, in ms. */
  get max(): number {
    return this.largest;
  }

  record(ms: number): void {
    // Clocks of different threads can disagree by a hair; a negative latency is a zero latency.
    const clamped = ms > 0 ? ms : 0;
    this.buckets[bucketOf(clamped * 1000)]! += 1;
    this.samples += 1;
    if (clamped > this.largest) this.largest = clamped;
  }

  /** The value (ms) below which `p` percent of samples fall; 0 when there are none. */
  percentile(p: number): number {
    if (this.samples === 0) return 0;
    const rank = Math.max(1, Math.ceil((p / 100) * this.samples));
    let seen = 0;
    for (let i = 0; i < this.buckets.length; i++) {
      seen += this.buckets[i]!;
      if (seen >= rank) return Math.min(upperBoundMicros(i) / 1000, this.largest);
    }
    return this.largest;
  }
}

/** The bucket of a sample (exported for the test that pins the layout). */
export function bucketOf(micros: number): number {
  const v = Math.floor(micros);
  if (v < SUB_BUCKETS) return v; // exponent 0: one bucket per microsecond
  if (v < 2147483648) {
    // The common case in integer arithmetic: the exponent from the top bit, the sub-bucket from
    // the 4 bits below it. The same buckets as the general formula below, several times faster
    // (no Math.pow, no float division): this runs once per message (bench: metrics-histogram).
    const e = 32 - SUB_BUCKET_BITS - Math.clz32(v);
    return e * SUB_BUCKETS + ((v >>> (e - 1)) - SUB_BUCKETS);
  }
  const exponent = Math.min(31 - Math.clz32(Math.min(v, 2 ** 31)) - SUB_BUCKET_BITS + 1, MAX_EXPONENT);
  const sub = Math.min(Math.floor(v / 2 ** (exponent - 1)) - SUB_BUCKETS, SUB_BUCKETS - 1);
  return exponent * SUB_BUCKETS + Math.max(sub, 0);
}

function upperBoundMicros(index: number): number {
  const exponent = Math.floor(index / SUB_BUCKETS);
  const sub = index % SUB_BUCKETS;
  if (exponent === 0) return sub + 1;
  return (SUB_BUCKETS + sub + 1) * 2 ** (exponent - 1);
}
