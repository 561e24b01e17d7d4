import { toSimplified } from './traditional.js';

// Full-width ASCII ！ to ～, and the ideographic space.
const WIDE = /[\uff01-\uff5e\u3000]/g;
const FULLWIDTH_OFFSET = 0xfee0;

/**
 * Full-width ASCII (digits, letters, punctuation) and the ideographic space to their half-width
 * forms, common traditional characters to simplified ones, trimmed.
 */
export function normalizeText(s: string): string {
  // One native pass that copies nothing when there is nothing to replace (most messages): this
  // runs several times on every message.
  const half = s.replace(WIDE, (ch) => (ch === '\u3000' ? ' ' : String.fromCharCode(ch.charCodeAt(0) - FULLWIDTH_OFFSET)));
  return toSimplified(half).trim();
}
