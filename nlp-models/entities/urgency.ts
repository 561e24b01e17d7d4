import { localDate } from '../text/local-time.js';
import { normalizeText } from '../text/normalize.js';
import { HEATING_SEASON, OUTAGE, URGENCY_RULES, WINTER_WORDS, type UrgencyRule } from './urgency-keywords.js';

export type Urgency = { urgent: boolean; signals: string[] };
/** `now` and `timeZone` place the message in or out of the heating season. */
export type UrgencyOptions = { now: Date; timeZone: string; rules?: UrgencyRule[] };

const ASCII_TERM = /^[\x20-\x7e]+$/;
const escapeRegExp = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

// Each English term's pattern, made once (a message is checked against every term).
const wholeWords = new Map<string, RegExp>();

function mentions(text: string, term: string): boolean {
  // English terms as whole words, so "fireworks" is not a fire; Chinese has no spaces to rely on.
  if (!ASCII_TERM.test(term)) return text.includes(term);
  let pattern = wholeWords.get(term);
  if (!pattern) wholeWords.set(term, (pattern = new RegExp(`\\b${escapeRegExp(term)}\\b`, 'i')));
  return pattern.test(text);
}

function inHeatingSeason(now: Date, timeZone: string): boolean {
  const monthDay = localDate(now, timeZone).slice(5);
  return monthDay >= HEATING_SEASON.from || monthDay <= HEATING_SEASON.to;
}

/** Safety signals in a message (rule names, in rule order); negations are not understood. */
export function detectUrgency(text: string, options: UrgencyOptions): Urgency {
  const clean = normalizeText(text);
  const rules = options.rules ?? URGENCY_RULES;
  const winter = inHeatingSeason(options.now, options.timeZone) || WINTER_WORDS.some((w) => mentions(clean, w));
  const signals = rules
    .filter((rule) => (!rule.heatingSeasonOnly || winter) && (rule.terms.some((t) => mentions(clean, t)) || rule.pattern?.test(clean)))
    .map((rule) => rule.signal);
  return { urgent: signals.length > 0, signals };
}

/** Whether a message reports water, power, heating or gas cut off: urgent in winter, high priority always. */
export function mentionsOutage(text: string): boolean {
  return OUTAGE.test(normalizeText(text));
}
