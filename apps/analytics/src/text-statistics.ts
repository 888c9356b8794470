/** The figures analytics keeps about a post's content (the HTTP names, as served). */
export interface TextStatistics {
  /** Words in the text (see `textStatistics` for what a word is). */
  word_count: number;
  /** Mean length of the words in characters, rounded half up to 2 decimals; 0 when there are none. */
  avg_word_length: number;
  /** Characters (Unicode code points) of the whole text, words or not. */
  char_count: number;
}

/**
 * A word: a letter or digit, then letters, digits and combining marks; an apostrophe (' or ’) or a
 * hyphen (-, U+2010, U+2011) between two such runs joins them into one word. Anything else (spaces,
 * punctuation, symbols, emoji, a second joiner in a row, a joiner at either edge) separates words
 * and is part of none. A mark only continues a word, it never starts one: the variation selector
 * of an emoji (U+FE0F, a mark) or a mark left on a space is not a word of its own. After a joiner
 * a letter or digit must follow, so a match never backtracks over more than one character.
 */
const WORD = /[\p{L}\p{N}][\p{L}\p{N}\p{M}]*(?:['’\u2010\u2011-][\p{L}\p{N}][\p{L}\p{N}\p{M}]*)*/gu;

/** Code points of `text` (a surrogate pair is one character, a combining mark one more). */
function codePoints(text: string): number {
  let count = 0;
  for (let i = 0; i < text.length; i += 1) {
    const unit = text.charCodeAt(i);
    // A high surrogate followed by a low one is one code point: skip the low one.
    if (unit >= 0xd800 && unit <= 0xdbff && i + 1 < text.length) {
      const next = text.charCodeAt(i + 1);
      if (next >= 0xdc00 && next <= 0xdfff) i += 1;
    }
    count += 1;
  }
  return count;
}

/**
 * Counts the words of `text` and their mean length, and its characters. Lengths are in characters
 * (Unicode code points, never bytes or UTF-16 units), and the text is taken as given: no
 * normalization, so `é` written as `e` + U+0301 is two characters where the precomposed U+00E9 is
 * one. Words are maximal runs of letters and digits (\p{L}\p{N}, with combining marks \p{M}
 * following them); apostrophes and hyphens inside a word belong to it and count in its length:
 * `don't` is one word of 5, `well-known` one of 10, `'tis` the word `tis`, `a--b` two words.
 * Scripts written without spaces are not segmented further: `東京タワー` is one word of 5.
 *
 * `",,,dwhuw dhuwhdihu wjfiej,,"` has 3 words of 5, 9 and 6 characters: 20 / 3 = 6.67.
 */
export function textStatistics(text: string): TextStatistics {
  let wordCount = 0;
  let letters = 0;
  for (const match of text.matchAll(WORD)) {
    wordCount += 1;
    letters += codePoints(match[0]);
  }
  return {
    word_count: wordCount,
    // Unless it is exactly k + 0.5, the quotient is at least 1 / (2 * wordCount) away from it, far
    // more than a double's rounding error: Math.round rounds the exact value half up.
    avg_word_length: wordCount === 0 ? 0 : Math.round((letters * 100) / wordCount) / 100,
    char_count: codePoints(text),
  };
}
