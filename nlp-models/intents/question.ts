import { normalizeText } from '../text/normalize.js';

/** Longer messages tell what happened (a report), whatever question words they hold. */
export const MAX_QUESTION_CHARS = 40;

// Words that make a short message a question (咨询) rather than a report (投诉/求助).
const ASKS = /[?？]|吗|么|怎么|怎样|如何|什么|多久|多长|哪里|哪儿|哪个|哪些|几天|几个|能否|是否|能不能|会不会|有没有|要不要|可不可以|是不是/u;
const ASKS_EN = /^(how|what|when|where|why|who|which|can|could|do|does|is|are|will|should)\b/;

/**
 * The 咨询 intent: a short message worded as a question ("督办是什么意思", "how do I check my case?").
 * Only such messages are looked up in the office's FAQ; everything else is read as before.
 */
export function looksLikeQuestion(text: string): boolean {
  const plain = normalizeText(text).toLowerCase().trim();
  if (!plain || [...plain.replace(/\s+/g, '')].length > MAX_QUESTION_CHARS) return false;
  return ASKS.test(plain) || ASKS_EN.test(plain);
}
