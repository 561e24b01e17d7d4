import { normalizeText } from '../text/normalize.js';

export const DEFAULT_CASE_PREFIX = 'QH';

/** What a text holds in the way of a case number: one, a malformed try at one, or nothing like one. */
export type CaseNumberReading = { kind: 'valid'; number: string } | { kind: 'malformed' } | { kind: 'none' };

const escapeRegExp = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

function isValidDate(yymmdd: string): boolean {
  const [y, m, d] = [0, 2, 4].map((i) => Number(yymmdd.slice(i, i + 2))) as [number, number, number];
  const date = new Date(Date.UTC(2000 + y, m - 1, d));
  return date.getUTCMonth() === m - 1 && date.getUTCDate() === d;
}

/**
 * Reads `<prefix><YYMMDD><serial of 4+ digits>` (e.g. QH2611250001) in any case, full- or
 * half-width, with spaces or hyphens inside. An attempt is the prefix, or a run of 3+ digits, that
 * does not make a valid number (bad length, impossible date): "查询 123" is malformed, "查询" is none.
 */
export function readCaseNumber(text: string, prefix: string = DEFAULT_CASE_PREFIX): CaseNumberReading {
  const clean = normalizeText(text).toUpperCase();
  const p = escapeRegExp(prefix.toUpperCase());
  // Separators only between the parts (prefix, YY, MM, DD, serial), so a number written next to it is not swallowed.
  const candidate = new RegExp(`(?<![A-Z])${p}[\\s-]*(\\d{2})[\\s-]?(\\d{2})[\\s-]?(\\d{2})[\\s-]?(\\d{4,})(?!\\d)`, 'g');
  for (const [, yy, mm, dd, serial] of clean.matchAll(candidate)) {
    const date = `${yy}${mm}${dd}`;
    if (isValidDate(date)) return { kind: 'valid', number: `${prefix.toUpperCase()}${date}${serial}` };
  }
  const attempt = new RegExp(`(?<![A-Z])${p}|\\d(?:[\\s-]*\\d){2}`).test(clean);
  return attempt ? { kind: 'malformed' } : { kind: 'none' };
}

/** The case number in a text, canonical (upper case, no separators), or null. */
export function findCaseNumber(text: string, prefix: string = DEFAULT_CASE_PREFIX): string | null {
  const reading = readCaseNumber(text, prefix);
  return reading.kind === 'valid' ? reading.number : null;
}

/** True when the text tries to give a case number but gets it wrong. */
export function looksLikeCaseNumberAttempt(text: string, prefix: string = DEFAULT_CASE_PREFIX): boolean {
  return readCaseNumber(text, prefix).kind === 'malformed';
}
