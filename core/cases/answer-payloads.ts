import type { Satisfaction } from '../platform/db.js';

/** A resident's answer to a question a case asked: a rating, or "补充情况" (add information). */
export type CaseAnswer = { kind: 'rate'; number: string; rating: Satisfaction } | { kind: 'info'; number: string };

const RATE = /^rate:([A-Z0-9]+):(satisfied|basic|unsatisfied)$/;
const INFO = /^info:([A-Z0-9]+)$/;

/** The button payload of a case answer: `rate:<number>:<rating>` or `info:<number>`. */
export function caseAnswerPayload(answer: CaseAnswer): string {
  return answer.kind === 'rate' ? `rate:${answer.number}:${answer.rating}` : `info:${answer.number}`;
}

export function parseCaseAnswer(payload: string | null | undefined): CaseAnswer | undefined {
  const rated = payload ? RATE.exec(payload) : null;
  if (rated) return { kind: 'rate', number: rated[1]!, rating: rated[2] as Satisfaction };
  const info = payload ? INFO.exec(payload) : null;
  return info ? { kind: 'info', number: info[1]! } : undefined;
}
