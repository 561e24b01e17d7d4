import { normalizeText } from '../text/normalize.js';

const MOBILE = /^(?:0086|86)?(1[3-9]\d{9})$/;
const MAX_DIGITS = 15;
// Digit groups joined by spaces or dashes, optionally after a "+": one way of writing one number.
const DIGIT_RUN = /\+?\d+(?:[ \-]+\d+)*/g;
// What people put before the number when asked for it (longest alternatives first).
const ANSWER_LABEL = /^(?:我的)?(?:联系)?(?:手机号码|电话号码|手机号|手机|电话|号码|phone|mobile|tel)(?:是|为)?\s*[:：]?\s*/i;
const ANSWER_END = /[\s。.!！]+$/;

/** The 11 digits if the digit groups make a mainland mobile number (with an optional 86 / 0086 prefix). */
function mobileFromGroups(groups: string[]): string | null {
  return MOBILE.exec(groups.join(''))?.[1] ?? null;
}

/**
 * The first mainland mobile number in a text, as 11 digits. Digits run on into a longer number (an
 * ID card, an account) do not count; a number split by spaces or dashes does.
 */
export function findMobilePhone(text: string): string | null {
  for (const [run] of normalizeText(text).matchAll(DIGIT_RUN)) {
    const groups = run.replace('+', '').split(/[ \-]+/);
    // Whole groups only, so "2020 138 1234 5678" still finds the phone and an ID card never does.
    for (let from = 0; from < groups.length; from += 1) {
      // A number is at most 15 digits (0086 and 11): longer spans cannot match, so each start tries a few.
      let digits = '';
      for (let to = from; to < groups.length && digits.length + groups[to]!.length <= MAX_DIGITS; to += 1) {
        digits += groups[to];
        const phone = MOBILE.exec(digits)?.[1];
        if (phone) return phone;
      }
    }
  }
  return null;
}

/** A whole reply that is a mobile number (optionally introduced, e.g. "电话：…"), else null. */
export function parseMobilePhone(answer: string): string | null {
  const rest = normalizeText(answer).replace(ANSWER_LABEL, '').replace(ANSWER_END, '');
  if (!/^\+?\d+(?:[ \-]+\d+)*$/.test(rest)) return null;
  return mobileFromGroups(rest.replace('+', '').split(/[ \-]+/));
}
