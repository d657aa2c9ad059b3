/**
 * BM25 as Lucene computes it, in 32-bit float arithmetic (each `f(...)` is a
 * Java float operation), so that scores equal the server's to the last bit and
 * ties fall where they fall there.
 */
const f = Math.fround;

/** BM25 term-frequency saturation. */
export const BM25_K1 = f(1.2);
/** BM25 length normalization. */
export const BM25_B = f(0.75);

/** `ln(1 + (N - n + 0.5) / (n + 0.5))`, Elasticsearch's idf (a float). */
export function bm25Idf(docCount: number, docFreq: number): number {
  return f(Math.log(1 + (docCount - docFreq + 0.5) / (docFreq + 0.5)));
}

/** The idf of a phrase: the sum of its terms' idfs (a float). */
export function bm25IdfSum(idfs: readonly number[]): number {
  let sum = 0;
  for (const idf of idfs) sum += idf;
  return f(sum);
}

/** Lucene's lossy 1-byte norm encoding (`SmallFloat.intToByte4`): lengths below 24 stay exact. */
export function quantizeFieldLength(length: number): number {
  const FREE_VALUES = 24;
  if (length < FREE_VALUES) return length;
  const i = length - FREE_VALUES;
  const numBits = 32 - Math.clz32(i);
  if (numBits < 4) return FREE_VALUES + i;
  const shift = numBits - 4;
  const bits = (i >>> shift) & 0x07;
  return FREE_VALUES + ((bits | 0x08) << shift);
}

/**
 * The BM25 score of one term in one field of one document, as Elasticsearch computes it
 * (`boost * (k1 + 1) * idf * freq / (freq + k1 * (1 - b + b * dl / avgdl))`: its default
 * similarity keeps the `k1 + 1` that Lucene's own BM25 dropped), in Lucene's float steps:
 * `weight - weight / (1 + freq * normInverse)`, every step a float.
 */
export function bm25Score(idf: number, freq: number, fieldLength: number, avgFieldLength: number, boost = 1): number {
  const dl = quantizeFieldLength(fieldLength);
  const avgdl = f(avgFieldLength);
  const normInverse = f(1 / f(BM25_K1 * f(f(1 - BM25_B) + f(f(BM25_B * dl) / avgdl))));
  const weight = f(f(f(boost) * f(1 + BM25_K1)) * idf);
  return f(weight - f(weight / f(1 + f(freq * normInverse))));
}
