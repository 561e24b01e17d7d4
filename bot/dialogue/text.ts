/** Letters and digits in any script: emoji, punctuation and spaces do not make a description longer. */
export function meaningfulLength(text: string): number {
  return text.match(/[\p{L}\p{N}]/gu)?.length ?? 0;
}

/** Characters as a person counts them (an emoji or a CJK character is one). */
export function charLength(text: string): number {
  return [...text].length;
}

/** Lower case without surrounding spaces or trailing punctuation, for matching command words. */
export function commandWord(text: string): string {
  return text.trim().toLowerCase().replace(/[\s。！!？?.,，~～]+$/u, '');
}
