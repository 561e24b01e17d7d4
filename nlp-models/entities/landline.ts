import { normalizeText } from '../text/normalize.js';

/** Qinghai's area codes (0970 海北 … 0979 格尔木); local numbers have 7 or 8 digits. */
const QINGHAI_AREA = /^097[0-9]$/;
// An area code (optionally in brackets), a separator, then the local number.
const LANDLINE = /(?<!\d)\(?(0\d{3})\)?[\s-]?(\d{7,8})(?!\d)/g;

/** A Qinghai landline in a text, as "0971-8123456"; other provinces' and longer digit runs do not count. */
export function findQinghaiLandline(text: string): string | null {
  for (const [, area, local] of normalizeText(text).matchAll(LANDLINE)) {
    if (QINGHAI_AREA.test(area!) && !/^[01]/.test(local!)) return `${area}-${local}`;
  }
  return null;
}

/** A whole reply that is a Qinghai landline, else null. */
export function parseQinghaiLandline(answer: string): string | null {
  const clean = normalizeText(answer).replace(/^(?:电话|座机|固话|tel|phone)[:：]?\s*/i, '').replace(/[\s。.]+$/, '');
  const found = findQinghaiLandline(clean);
  return found && clean.replace(/[()\s-]/g, '') === found.replace('-', '') ? found : null;
}
