import { normalizeText } from '../text/normalize.js';

// Rows of a keyboard: four or more neighbouring keys in a row ("asdf", "qwerty", "poiu") are a mash.
const KEYBOARD_ROWS = ['qwertyuiop', 'asdfghjkl', 'zxcvbnm'].flatMap((row) => [row, [...row].reverse().join('')]);
// Sounds, not words: "啊啊啊", "哈哈", "嗯嗯".
const INTERJECTIONS = new Set([...'啊呀哈呵嘿嗯哦噢喔额呃唉哎诶嘻咦哇呜']);
const SAME_THREE_TIMES = /(.)\1\1/u;

function latinWordMeans(word: string): boolean {
  if (word.length < 2 || SAME_THREE_TIMES.test(word) || !/[aeiouy]/.test(word)) return false;
  for (let i = 0; i + 4 <= word.length; i++) {
    if (KEYBOARD_ROWS.some((row) => row.includes(word.slice(i, i + 4)))) return false;
  }
  return true;
}

/** Chinese characters that carry meaning: not a sound, not one character typed three times or more in a row. */
function meaningfulHan(text: string): number {
  const chars = [...text];
  let count = 0;
  chars.forEach((ch, i) => {
    if (!/\p{Script=Han}/u.test(ch) || INTERJECTIONS.has(ch)) return;
    const run = [chars[i - 2], chars[i - 1], chars[i + 1], chars[i + 2]];
    const repeated = (run[0] === ch && run[1] === ch) || (run[1] === ch && run[2] === ch) || (run[2] === ch && run[3] === ch);
    if (!repeated) count++;
  });
  return count;
}

/**
 * Whether a message is nonsense ("asdfgh qwerty 啊啊啊", "zzz ??? ……"): it has no digits or letters of
 * other scripts, fewer
 * than two Chinese characters that are not sounds or one key held down, and no Latin word that
 * has a vowel and is not a run of neighbouring keys. Such a message is not read as a report.
 * Anything with two real characters or one real word is not nonsense, so real messages pass.
 */
export function isGibberish(text: string): boolean {
  const plain = normalizeText(text).toLowerCase();
  // Digits (a phone, a case number) and other scripts (Tibetan, Mongolian…) are not judged here.
  if (/\p{N}|(?=\p{L})[^\p{Script=Latin}\p{Script=Han}]/u.test(plain)) return false;
  if (meaningfulHan(plain) >= 2) return false;
  const words = plain.match(/[a-z]+/g) ?? [];
  return !words.some(latinWordMeans);
}
