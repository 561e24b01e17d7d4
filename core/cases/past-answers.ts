import type { Satisfaction } from '../platform/db.js';
import { maskPhones } from '../platform/log.js';
import type { Queryable } from '../platform/sql.js';
import { normalizeText } from '../../nlp-models/index.js';
import { segment } from '../../nlp-models/topics/segmenter.js';
import { decodeFeatures, featuresOrText, isGenericWord, rankByCoverage, rankSimilar, type Features } from './similarity.js';

/**
 * 过往答复: the closed cases most like a case, with the answer the office gave and the resident's
 * rating, so staff can reuse a good answer. Each case's features were stored with it at intake (or
 * import); nothing is segmented again per request: the candidates' stored features are read and
 * compared in memory (a few thousand sparse dot products, a few milliseconds).
 */

/** Closed cases compared, those of the case's topic first. */
const SCAN_LIMIT = 3000;
/** Below this, a case shares little more than common words with the target: not shown. */
export const PAST_ANSWER_MIN_SIMILARITY = 0.12;
export const PAST_ANSWERS_SHOWN = 3;

export type PastAnswer = {
  similarity: number;
  topic: string | null;
  department: { name: string; nameEn: string | null } | null;
  closedAt: Date;
  /** The answer the resident received (phone numbers masked). */
  answer: string;
  satisfaction: Satisfaction | null;
  /** Imported from the office's past messages (`npm run history:import`). */
  imported: boolean;
  /** Only for a case the member of staff may open: its number and description. */
  case: { id: string; number: string; description: string } | null;
};

type Candidate = { id: string; departmentId: string | null; features: Features; sameTopic: boolean };

/**
 * Candidates: closed cases with stored features, those of the first-level topic `first` first,
 * then the others; at most SCAN_LIMIT, each part most recently closed first. Short targets weigh
 * terms by their rarity among all of them.
 */
async function candidates(sql: Queryable, exclude: string, first: string | null): Promise<Candidate[]> {
  const { rows } = await sql.query<{ id: string; departmentId: string | null; features: Buffer; sameTopic: boolean }>(
    `SELECT c."id", c."departmentId", c."features", COALESCE(c."topic" = $2 OR c."topic" LIKE $2 || '/%', FALSE) AS "sameTopic" FROM "Case" c
     WHERE c."status" = 'closed' AND c."features" IS NOT NULL AND c."id" <> $1 AND c."duplicateOfId" IS NULL
     ORDER BY 4 DESC, c."closedAt" DESC LIMIT ${SCAN_LIMIT}`,
    [exclude, first],
  );
  return rows.flatMap((r) => {
    const features = decodeFeatures(r.features);
    return features ? [{ id: r.id, departmentId: r.departmentId, features, sameTopic: r.sameTopic }] : [];
  });
}

/**
 * A target of at most this many features (a report of about 20 characters, a title) is short: it
 * is ranked by how much of it a candidate covers (rankByCoverage), as cosine similarity would put
 * a long case that mentions every word of it below a short one sharing one common word.
 */
const SHORT_FEATURES = 40;
/** Fewer candidates than this tell no rare term from a common one: a short target is then compared by cosine too. */
const IDF_MIN_CANDIDATES = 100;
/**
 * The least coverage of a short target shown, of its first-level topic and of another: below it a
 * case shares only common words or a fraction of the report. Chosen with `npm run bench:past-answers`.
 */
export const PAST_ANSWER_MIN_COVERAGE = { sameTopic: 0.2, otherTopic: 0.25 };

/** A short target's candidates read for the check of what they are about, so that three may remain after it. */
const SHORT_CHECKED = 12;
// A past case is about a word of a short report when it names it in its opening (an imported
// message's title, median 19 characters; a resident's first words) or comes back to it: one
// passing mention in a long case shares the word, not the problem. Chosen with npm run bench:past-answers.
const OPENING_CHARS = 20;
const MENTIONS = 3;

/**
 * The candidates most like `target`, those of its first-level topic (`sameTopic`) first, then, when
 * they are fewer, the others: for a long target at most PAST_ANSWERS_SHOWN; for a short one (`short`)
 * at most SHORT_CHECKED, for shownPastAnswers to check.
 */
export function choosePastAnswers<T extends { features: Features; sameTopic: boolean }>(
  target: Features,
  candidates: readonly T[],
): { ranked: (T & { similarity: number })[]; short: boolean } {
  if (target.length <= SHORT_FEATURES && candidates.length >= IDF_MIN_CANDIDATES) {
    const { sameTopic, otherTopic } = PAST_ANSWER_MIN_COVERAGE;
    const ranked = rankByCoverage(target, candidates, { threshold: Math.min(sameTopic, otherTopic), limit: candidates.length })
      .filter((c) => c.similarity >= (c.sameTopic ? sameTopic : otherTopic))
      .sort((x, y) => Number(y.sameTopic) - Number(x.sameTopic) || y.similarity - x.similarity)
      .slice(0, SHORT_CHECKED);
    return { ranked, short: true };
  }
  // An answer about the same problem elsewhere is still a good answer: places get no extra weight.
  const opts = { threshold: PAST_ANSWER_MIN_SIMILARITY, limit: PAST_ANSWERS_SHOWN, places: false };
  const ranked = rankSimilar(target, candidates.filter((c) => c.sameTopic), opts);
  if (ranked.length < PAST_ANSWERS_SHOWN) ranked.push(...rankSimilar(target, candidates.filter((c) => !c.sameTopic), { ...opts, limit: PAST_ANSWERS_SHOWN - ranked.length }));
  return { ranked, short: false };
}

/** The words of a text that name a thing or a problem (jieba words of two or more Han characters, common ones left out). */
export function contentWords(text: string): string[] {
  return [...new Set(segment(normalizeText(text).toLowerCase()))].filter((w) => /^\p{Script=Han}{2,}$/u.test(w) && !isGenericWord(w));
}

/**
 * What is shown of the chosen candidates (at most PAST_ANSWERS_SHOWN): for a short report only those
 * about one of its words; `descriptionOf` gives a candidate's description, or undefined to leave it out.
 */
export function shownPastAnswers<T>(report: string, chosen: { ranked: T[]; short: boolean }, descriptionOf: (c: T) => string | undefined): T[] {
  const words = chosen.short ? contentWords(report) : [];
  const about = (description: string) => {
    if (!chosen.short) return true;
    const text = normalizeText(description).toLowerCase();
    const opening = [...text].slice(0, OPENING_CHARS).join('');
    return words.some((w) => opening.includes(w) || text.split(w).length > MENTIONS);
  };
  return chosen.ranked.filter((c) => {
    const description = descriptionOf(c);
    return description !== undefined && about(description);
  }).slice(0, PAST_ANSWERS_SHOWN);
}

/**
 * The closed cases most like case `caseId` (at most PAST_ANSWERS_SHOWN): those of its first-level
 * topic first, then, when they are fewer, the others. `visibleDepartment` is the one department
 * whose cases the caller may open (a handler's), or undefined for all: of any other case only the
 * answer, topic, date, department and rating are given, never who reported it or what they wrote.
 */
export async function pastAnswers(sql: Queryable, caseId: string, visibleDepartment: string | undefined): Promise<PastAnswer[] | null> {
  const { rows: found } = await sql.query<{ topic: string | null; description: string; features: Buffer | null; departmentId: string | null }>(
    `SELECT "topic", "description", "features", "departmentId" FROM "Case" WHERE "id" = $1`,
    [caseId],
  );
  const target = found[0];
  if (!target || (visibleDepartment !== undefined && target.departmentId !== visibleDepartment)) return null;
  const features = featuresOrText(target.features, target.description);
  const first = target.topic?.split('/')[0] ?? null;
  const chosen = choosePastAnswers(features, await candidates(sql, caseId, first));
  if (!chosen.ranked.length) return [];
  // The answer: the note of the last resolution (a reviewed one carries the department's answer).
  const { rows } = await sql.query<{
    id: string; number: string; description: string; topic: string | null; departmentId: string | null; closedAt: Date; satisfaction: Satisfaction | null;
    source: string | null; answer: string | null; department: PastAnswer['department'];
  }>(
    `SELECT c."id", c."number", c."description", c."topic", c."departmentId", c."closedAt" AT TIME ZONE 'UTC' AS "closedAt", c."satisfaction", c."source",
            CASE WHEN d."id" IS NOT NULL THEN json_build_object('name', d."name", 'nameEn', d."nameEn") END AS "department",
            (SELECT e."note" FROM "CaseEvent" e WHERE e."caseId" = c."id" AND e."type" IN ('resolved', 'review_approved') ORDER BY e."at" DESC LIMIT 1) AS "answer"
     FROM "Case" c LEFT JOIN "Department" d ON d."id" = c."departmentId" WHERE c."id" = ANY($1::uuid[])`,
    [chosen.ranked.map((b) => b.id)],
  );
  const byId = new Map(rows.map((r) => [r.id, r]));
  const shown = shownPastAnswers(target.description, chosen, ({ id }) => (byId.get(id)?.answer ? byId.get(id)!.description : undefined));
  return shown.flatMap(({ id, similarity }) => {
    const c = byId.get(id);
    if (!c?.answer) return [];
    const mayOpen = visibleDepartment === undefined || c.departmentId === visibleDepartment;
    return [{
      similarity: Math.round(similarity * 100) / 100,
      topic: c.topic,
      department: c.department,
      closedAt: c.closedAt,
      answer: maskPhones(c.answer),
      satisfaction: c.satisfaction,
      imported: c.source !== null,
      case: mayOpen ? { id: c.id, number: c.number, description: c.description } : null,
    }];
  });
}
