import t from 'tap';
import { textStatistics } from '../src/index.js';
import { seededRandom } from './helpers/event-history.js';

const stats = (word_count: number, avg_word_length: number, char_count: number) => ({ word_count, avg_word_length, char_count });

t.test('the example of the issue: 3 words, 6.67 on average', async (t) => {
  t.strictSame(textStatistics(',,,dwhuw dhuwhdihu wjfiej,,'), stats(3, 6.67, 27));
});

t.test('a text without words has 0 words of average length 0, and its characters still count', async (t) => {
  t.strictSame(textStatistics(''), stats(0, 0, 0));
  t.strictSame(textStatistics('...'), stats(0, 0, 3));
  t.strictSame(textStatistics(' -- \' ’ - '), stats(0, 0, 10), 'joiners alone are no words');
  t.strictSame(textStatistics('👍🏽🎉'), stats(0, 0, 3), 'emoji are no words; a skin tone is one more code point');
  t.strictSame(textStatistics('♥️ ❤️'), stats(0, 0, 5), "an emoji's variation selector (a mark) starts no word");
});

t.test('punctuation separates words and is part of none', async (t) => {
  t.strictSame(textStatistics('one,two;three.'), stats(3, 3.67, 14));
  t.strictSame(textStatistics('(a) [bb] {ccc}'), stats(3, 2, 14));
  t.strictSame(textStatistics('e-mail: x@y.z'), stats(4, 2.25, 13), '"e-mail", "x", "y", "z"');
});

t.test('apostrophes and hyphens inside a word belong to it, at its edges they do not', async (t) => {
  t.strictSame(textStatistics("don't"), stats(1, 5, 5));
  t.strictSame(textStatistics('l’homme'), stats(1, 7, 7), 'a typographic apostrophe');
  t.strictSame(textStatistics('well-known'), stats(1, 10, 10));
  t.strictSame(textStatistics('mother-in-law'), stats(1, 13, 13));
  t.strictSame(textStatistics('non\u2011breaking'), stats(1, 12, 12), 'a non-breaking hyphen');
  t.strictSame(textStatistics("'tis"), stats(1, 3, 4), 'a leading apostrophe is not part of the word');
  t.strictSame(textStatistics("dogs' "), stats(1, 4, 6), 'nor a trailing one');
  t.strictSame(textStatistics("'quoted'"), stats(1, 6, 8));
  t.strictSame(textStatistics('-minus -5 pre- -x-'), stats(4, 2.5, 18), '"minus", "5", "pre", "x"');
  t.strictSame(textStatistics("rock 'n' roll"), stats(3, 3, 13));
});

t.test('a run of joiners splits: only a single apostrophe or hyphen joins', async (t) => {
  t.strictSame(textStatistics('well--known'), stats(2, 4.5, 11));
  t.strictSame(textStatistics('a---b'), stats(2, 1, 5));
  t.strictSame(textStatistics("it''s"), stats(2, 1.5, 5));
  t.strictSame(textStatistics("a-'b"), stats(2, 1, 4));
  t.strictSame(textStatistics('a - b'), stats(2, 1, 5), 'a spaced hyphen is a dash');
  t.strictSame(textStatistics('a–b a—b'), stats(4, 1, 7), 'en and em dashes separate');
});

t.test('digits are word characters, alone or among letters', async (t) => {
  t.strictSame(textStatistics('2024 was year 1'), stats(4, 3, 15));
  t.strictSame(textStatistics('R2-D2 mp3'), stats(2, 4, 9));
  t.strictSame(textStatistics('3.14'), stats(2, 1.5, 4), 'a decimal point is punctuation');
  t.strictSame(textStatistics('١٢٣ ٤'), stats(2, 2, 5), 'Arabic-Indic digits');
  t.strictSame(textStatistics('x² ½'), stats(2, 1.5, 4), 'other numbers (\\p{No}) too');
});

t.test('lengths are in code points: letters beyond the BMP count once', async (t) => {
  t.strictSame(textStatistics('𝒜𝒷𝒸'), stats(1, 3, 3), 'mathematical letters are surrogate pairs in UTF-16');
  t.equal('𝒜𝒷𝒸'.length, 6, '(six UTF-16 units)');
  t.strictSame(textStatistics('𠀀𠀁 x'), stats(2, 1.5, 4), 'CJK extension B');
});

t.test('combining marks are part of the word they follow, and each is a character', async (t) => {
  const decomposed = 'cafe\u0301';
  const precomposed = 'caf\u00e9';
  t.strictSame(textStatistics(decomposed), stats(1, 5, 5), 'e + U+0301: two characters, one word');
  t.strictSame(textStatistics(precomposed), stats(1, 4, 4), 'no normalization: é precomposed is one');
  t.strictSame(textStatistics('नमस्ते दुनिया'), stats(2, 6, 13), 'Devanagari vowel signs and virama are marks');
  t.strictSame(textStatistics(' \u0301 '), stats(0, 0, 3), 'a mark on a space starts no word');
  t.strictSame(textStatistics('1\ufe0f\u20e3'), stats(1, 3, 3), 'a keycap is a digit and two marks');
});

t.test('scripts without spaces are runs of letters: a run is one word', async (t) => {
  t.strictSame(textStatistics('東京タワーに行った'), stats(1, 9, 9));
  t.strictSame(textStatistics('你好，世界。'), stats(2, 2, 6), 'CJK punctuation separates');
  t.strictSame(textStatistics('Привет, мир!'), stats(2, 4.5, 12));
  t.strictSame(textStatistics('שָׁלוֹם'), stats(1, 7, 7), 'Hebrew points are marks');
});

t.test('the average is rounded half up to 2 decimals', async (t) => {
  t.strictSame(textStatistics('a bb').avg_word_length, 1.5);
  t.strictSame(textStatistics('a a bb').avg_word_length, 1.33, '4/3 = 1.333…');
  t.strictSame(textStatistics('a bb bb').avg_word_length, 1.67, '5/3 = 1.666…');
  t.strictSame(textStatistics('a a a a a a a bb').avg_word_length, 1.13, '9/8 = 1.125');
  // 201/200 = 1.005, which as a double is 1.00499999…: rounding the double (toFixed) would give 1.
  t.strictSame(textStatistics(`${'a '.repeat(199)}bb`).avg_word_length, 1.01, '201/200 = 1.005');
  // 1001/8 = 125.125 exactly.
  t.strictSame(textStatistics(`${'x'.repeat(994)} a a a a a a a`).avg_word_length, 125.13);
  t.strictSame(textStatistics('abcdefghij').avg_word_length, 10);
});

t.test('whitespace of every kind separates words and counts as characters', async (t) => {
  t.strictSame(textStatistics('a\tb\nc\u00a0d\u3000e\u2028f'), stats(6, 1, 11));
});

/**
 * The same rules written the plainest way: one code point at a time, no regular expression, so
 * that the pattern and this have to agree on every text a random mix of the interesting
 * characters makes.
 */
function plainStatistics(text: string) {
  const chars = [...text];
  const isWordStart = (c: string | undefined) => c !== undefined && /^[\p{L}\p{N}]$/u.test(c);
  const isWordPart = (c: string | undefined) => c !== undefined && /^[\p{L}\p{N}\p{M}]$/u.test(c);
  const isJoiner = (c: string | undefined) => c !== undefined && "'’-\u2010\u2011".includes(c);
  const lengths: number[] = [];
  let i = 0;
  while (i < chars.length) {
    if (!isWordStart(chars[i])) {
      i += 1;
      continue;
    }
    let length = 0;
    for (;;) {
      while (isWordPart(chars[i])) {
        length += 1;
        i += 1;
      }
      if (isJoiner(chars[i]) && isWordStart(chars[i + 1])) {
        length += 1;
        i += 1;
        continue;
      }
      break;
    }
    lengths.push(length);
  }
  const total = lengths.reduce((sum, length) => sum + length, 0);
  // Half up on the exact fraction, in integers: floor((200 * total / n + 1) / 2) / 100.
  const average = lengths.length === 0 ? 0 : Math.floor((200 * total + lengths.length) / (2 * lengths.length)) / 100;
  return stats(lengths.length, average, chars.length);
}

t.test('random texts: the pattern agrees with a plain character-by-character reading', async (t) => {
  const alphabet = ['a', 'Z', 'é', 'e\u0301', '\u0301', '7', '٣', '東', '𝒜', '😀', '\ufe0f', "'", '’', '-', '\u2011', '—', ' ', '\n', ',', '.', '!'];
  const random = seededRandom(8);
  for (let n = 0; n < 2000; n += 1) {
    const length = Math.floor(random() * 40);
    let text = '';
    for (let i = 0; i < length; i += 1) text += alphabet[Math.floor(random() * alphabet.length)];
    const expected = plainStatistics(text);
    const actual = textStatistics(text);
    if (actual.word_count !== expected.word_count || actual.avg_word_length !== expected.avg_word_length || actual.char_count !== expected.char_count) {
      t.strictSame(actual, expected, JSON.stringify(text));
      return;
    }
  }
  t.pass('2000 random texts agree');
});
