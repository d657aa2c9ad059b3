/** Sub-buckets per power of two: 16 gives at most 1/16 (6.25 %) relative error. */
const SUB_BITS = 4;
const SUB = 1 << SUB_BITS;
/** Largest exponent kept (2^40 µs is about 12.7 days); larger values land in the last bucket. */
const MAX_EXP = 40;
const BUCKETS = SUB + (MAX_EXP - SUB_BITS + 1) * SUB;

/** Summary of a latency distribution, in milliseconds. */
export interface LatencySummary {
  count: number;
  min: number;
  max: number;
  mean: number;
  p50: number;
  p95: number;
  p99: number;
}

/**
 * A fixed-size, HDR-like latency histogram: microsecond resolution below
 * 16 µs, then 16 log-linear buckets per power of two. Memory is constant
 * (about 10 KB) whatever the number of samples; percentiles are within
 * 6.25 % of the true value and clamped to the exact min and max.
 */
export class LatencyHistogram {
  private readonly counts = new Float64Array(BUCKETS);
  private total = 0;
  private sum = 0;
  private min = Number.POSITIVE_INFINITY;
  private max = 0;

  /** Records one duration in milliseconds; negative or non-finite values are ignored. */
  record(ms: number): void {
    if (!(ms >= 0) || ms === Number.POSITIVE_INFINITY) return;
    this.counts[bucketOf(Math.round(ms * 1000))]! += 1;
    this.total++;
    this.sum += ms;
    if (ms < this.min) this.min = ms;
    if (ms > this.max) this.max = ms;
  }

  /** Number of recorded samples. */
  get count(): number {
    return this.total;
  }

  /** The value at quantile `q` (0..1) in milliseconds; 0 when empty. */
  quantile(q: number): number {
    if (this.total === 0) return 0;
    const rank = Math.max(1, Math.ceil(Math.min(1, Math.max(0, q)) * this.total));
    let seen = 0;
    for (let i = 0; i < BUCKETS; i++) {
      seen += this.counts[i]!;
      if (seen >= rank) return Math.min(this.max, Math.max(this.min, representative(i) / 1000));
    }
    return this.max;
  }

  /** Count, min, max, mean and the 50th, 95th and 99th percentiles. */
  summary(): LatencySummary {
    const empty = this.total === 0;
    return {
      count: this.total,
      min: empty ? 0 : this.min,
      max: this.max,
      mean: empty ? 0 : this.sum / this.total,
      p50: this.quantile(0.5),
      p95: this.quantile(0.95),
      p99: this.quantile(0.99),
    };
  }
}

function bucketOf(us: number): number {
  if (us < SUB) return us;
  const exp = Math.min(MAX_EXP, Math.floor(Math.log2(us)));
  const shift = exp - SUB_BITS;
  const sub = Math.min(SUB - 1, Math.floor(us / 2 ** shift) - SUB);
  return SUB + shift * SUB + sub;
}

/** Middle of a bucket, in microseconds. */
function representative(index: number): number {
  if (index < SUB) return index;
  const shift = Math.floor((index - SUB) / SUB);
  const sub = (index - SUB) % SUB;
  const width = 2 ** shift;
  return (SUB + sub) * width + width / 2;
}
