/** One token produced by an analyzer, with its position and UTF-16 offsets in the source text. */
export interface Token {
  term: string;
  position: number;
  start: number;
  end: number;
}

/** Lucene's standard tokenizer splits longer tokens at this length. */
const MAX_TOKEN_LENGTH = 255;

const segmenter = new Intl.Segmenter("und", { granularity: "word" });

/**
 * The `standard` analyzer: Unicode text segmentation (UAX #29 word boundaries) followed by
 * lowercasing, as Elasticsearch applies to `text` fields by default.
 *
 * @example standardAnalyze("The Quick-Brown fox") // terms: the, quick, brown, fox
 */
export function standardAnalyze(text: string, firstPosition = 0): Token[] {
  const tokens: Token[] = [];
  let position = firstPosition;
  for (const segment of segmenter.segment(text)) {
    if (!segment.isWordLike) continue;
    const word = segment.segment;
    for (let offset = 0; offset < word.length; offset += MAX_TOKEN_LENGTH) {
      const piece = word.slice(offset, offset + MAX_TOKEN_LENGTH);
      tokens.push({
        term: piece.toLowerCase(),
        position: position++,
        start: segment.index + offset,
        end: segment.index + offset + piece.length,
      });
    }
  }
  return tokens;
}

/** The `keyword` analyzer: the whole value is one term. */
export function keywordAnalyze(text: string): Token[] {
  return [{ term: text, position: 0, start: 0, end: text.length }];
}

/**
 * Elasticsearch leaves a gap of 100 positions between the values of a multi-valued text
 * field (`position_increment_gap`), so a phrase never matches across two values.
 */
export const POSITION_INCREMENT_GAP = 100;
