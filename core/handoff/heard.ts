import { parseCaseAnswer } from '../cases/answer-payloads.js';
import { t, type Lang } from '../i18n/index.js';

/**
 * How a resident's message reads for the staff holding the conversation: as typed, or a tapped
 * button in words (a rating, "补充情况", the button's label), never an empty line.
 */
export function heardText(lang: Lang, message: { text: string; payload?: string | null }, labels: ReadonlyMap<string, string>): string {
  if (message.text.trim() || !message.payload) return message.text;
  const answer = parseCaseAnswer(message.payload);
  if (answer?.kind === 'rate') return t(lang, 'handoff.heard.rating', { number: answer.number, rating: t(lang, `sat.${answer.rating}`) });
  if (answer?.kind === 'info') return t(lang, 'handoff.heard.info', { number: answer.number, label: t(lang, 'case.addInfo') });
  return t(lang, 'handoff.heard.button', { label: labels.get(message.payload) ?? message.payload });
}
