/** Letters and digits in any script: emoji, punctuation and spaces do not make a description longer. */
export function meaningfulLength(text: string): number {
  return text.match(/[\p{L}\p{N}]/gu)?.length ?? 0;
}

/** Characters as a person counts them (an emoji or a CJK character is one). */
export function charLength(text: string): number {
  return [...text].length;
}

const CHINESE_NUMERALS = '一二三四五六七八九';

/** The choice a resident typed as a number: "1", "１" or "一" → 1; undefined for anything else. */
export function choiceNumber(text: string): number | undefined {
  const t = text.trim().replace(/[０-９]/g, (d) => String.fromCharCode(d.charCodeAt(0) - 0xfee0));
  if (/^[1-9]$/.test(t)) return Number(t);
  const i = CHINESE_NUMERALS.indexOf(t);
  return t.length === 1 && i >= 0 ? i + 1 : undefined;
}
