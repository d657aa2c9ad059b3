/** BM25 term-frequency saturation. */
export const BM25_K1 = 1.2;
/** BM25 length normalization. */
export const BM25_B = 0.75;

/** `ln(1 + (N - n + 0.5) / (n + 0.5))`, Elasticsearch's idf. */
export function bm25Idf(docCount: number, docFreq: number): number {
  return Math.log(1 + (docCount - docFreq + 0.5) / (docFreq + 0.5));
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
 * (`boost * (k1 + 1) * idf * freq / (freq + k1 * (1 - b + b * dl / avgdl))`).
 */
export function bm25Score(idf: number, freq: number, fieldLength: number, avgFieldLength: number, boost = 1): number {
  const dl = quantizeFieldLength(fieldLength);
  const norm = BM25_K1 * (1 - BM25_B + (BM25_B * dl) / avgFieldLength);
  return boost * (BM25_K1 + 1) * idf * (freq / (freq + norm));
}
