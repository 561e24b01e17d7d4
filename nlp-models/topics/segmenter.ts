import { Jieba } from '@node-rs/jieba';
import { dict } from '@node-rs/jieba/dict.js';

let jieba: Jieba | undefined;

/** Loads jieba's dictionary (~0.3 s) once; segment() calls it, callers may call it early. */
export function loadSegmenter(): Jieba {
  jieba ??= Jieba.withDict(dict);
  return jieba;
}

/** jieba word segmentation (with HMM for words not in the dictionary). */
export function segment(text: string): string[] {
  return loadSegmenter().cut(text, true);
}
