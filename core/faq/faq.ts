import { z } from 'zod';
import { CsvSyntaxError, FaqMatcher, parseCsv, questionPhrasings } from '../../nlp-models/index.js';
import type { Prisma } from '../../prisma/generated/client.js';
import type { Lang } from '../i18n/index.js';
import type { Clock } from '../platform/clock.js';
import type { Config } from '../platform/config.js';
import type { Db } from '../platform/db.js';
import { maskPhones } from '../platform/log.js';
import type { AppRedis } from '../platform/redis.js';

/** One question/answer pair as edited on the admin page or read from a CSV row. */
export const faqEntrySchema = z.object({
  questionZh: z.string().trim().min(1).max(500),
  answerZh: z.string().trim().min(1).max(2000),
  questionEn: z.string().trim().max(500).optional().transform((v) => v || null),
  answerEn: z.string().trim().max(2000).optional().transform((v) => v || null),
});
export type FaqEntryInput = z.infer<typeof faqEntrySchema>;

/** The CSV's columns: `question_zh`, `answer_zh` required; `question_en`, `answer_en` optional. */
export const FAQ_CSV_COLUMNS = ['question_zh', 'answer_zh', 'question_en', 'answer_en'] as const;
const REQUIRED = FAQ_CSV_COLUMNS.slice(0, 2);
const COLUMN_OF = new Map([['questionZh', 'question_zh'], ['answerZh', 'answer_zh'], ['questionEn', 'question_en'], ['answerEn', 'answer_en']]);

export type FaqCsvError = { row: number; message: string };

/** Reads an FAQ CSV: every entry, or every problem found (row 0 is the header or the file itself). */
export function parseFaqCsv(text: string): { entries: FaqEntryInput[]; errors: FaqCsvError[] } {
  let records: string[][];
  try {
    records = parseCsv(text).filter((r) => !(r.length === 1 && r[0]!.trim() === ''));
  } catch (err) {
    if (err instanceof CsvSyntaxError) return { entries: [], errors: [{ row: 0, message: err.message }] };
    throw err;
  }
  const [header, ...rows] = records;
  if (!header) return { entries: [], errors: [{ row: 0, message: 'the file is empty' }] };
  const names = header.map((h) => h.trim().toLowerCase());
  const missing = REQUIRED.filter((c) => !names.includes(c));
  if (missing.length) return { entries: [], errors: [{ row: 0, message: `missing column(s) ${missing.join(', ')} (header: ${header.join(',')})` }] };
  if (!rows.length) return { entries: [], errors: [{ row: 0, message: 'no data rows' }] };
  const entries: FaqEntryInput[] = [];
  const errors: FaqCsvError[] = [];
  rows.forEach((row, i) => {
    if (row.length !== header.length) return errors.push({ row: i + 1, message: `has ${row.length} fields, the header has ${header.length}` });
    const field = (name: string) => (names.includes(name) ? row[names.indexOf(name)] : undefined);
    const parsed = faqEntrySchema.safeParse({ questionZh: field('question_zh'), answerZh: field('answer_zh'), questionEn: field('question_en'), answerEn: field('answer_en') });
    if (parsed.success) return entries.push(parsed.data);
    const issue = parsed.error.issues[0]!;
    const column = COLUMN_OF.get(String(issue.path[0])) ?? String(issue.path[0]);
    errors.push({ row: i + 1, message: `${column}: ${issue.code === 'too_small' ? 'empty' : issue.message}` });
  });
  return { entries, errors };
}

/** Answers shown to residents may name the deadlines in working days: {normal}, {high}, {urgent}. */
export type DeadlineDays = { normal: number; high: number; urgent: number };

export function deadlineDays(config: Pick<Config, 'DEADLINE_DAYS_NORMAL' | 'DEADLINE_DAYS_HIGH' | 'DEADLINE_DAYS_URGENT'>): DeadlineDays {
  return { normal: config.DEADLINE_DAYS_NORMAL, high: config.DEADLINE_DAYS_HIGH, urgent: config.DEADLINE_DAYS_URGENT };
}

export type FaqAnswer = { entryId: string; text: string; score: number };

type Loaded = { version: string; matcher: FaqMatcher; entries: Map<string, Prisma.FaqEntryGetPayload<object>> };

/**
 * The office's FAQ: its entries in PostgreSQL, a version counter in Redis that every change
 * raises. Each bot process keeps the matcher of the version it last saw and rebuilds it when the
 * counter moved, so an edit is seen by the next question in every process (one Redis GET a question).
 */
export class Faq {
  private loaded: Loaded | undefined;

  constructor(
    private readonly db: Db,
    private readonly redis: AppRedis,
    private readonly prefix: string,
    private readonly now: Clock,
    private readonly threshold: number,
  ) {}

  private get versionKey(): string {
    return `${this.prefix}:faq:version`;
  }

  private async current(): Promise<Loaded> {
    const version = (await this.redis.get(this.versionKey)) ?? '0';
    if (this.loaded?.version === version) return this.loaded;
    const rows = await this.db.faqEntry.findMany();
    const matcher = new FaqMatcher(rows.map((r) => ({ id: r.id, questions: [...questionPhrasings(r.questionZh), ...questionPhrasings(r.questionEn)] })));
    this.loaded = { version, matcher, entries: new Map(rows.map((r) => [r.id, r])) };
    return this.loaded;
  }

  /** The best answer to a question, in the resident's language when the entry has it. */
  async answer(question: string, lang: Lang, days: DeadlineDays): Promise<FaqAnswer | undefined> {
    const { matcher, entries } = await this.current();
    const found = matcher.best(question, this.threshold);
    const entry = found && entries.get(found.id);
    if (!found || !entry) return undefined;
    const text = (lang === 'en' && entry.answerEn) || entry.answerZh;
    const vars = new Map(Object.entries(days).map(([k, v]) => [k, String(v)]));
    return { entryId: entry.id, score: found.score, text: text.replace(/\{(\w+)\}/g, (all, name: string) => vars.get(name) ?? all) };
  }

  /** Counts a question; an unanswered one keeps its words (phones masked) for the office's list. */
  async record(outcome: 'answered' | 'helpful' | 'not_helped' | 'unmatched', entryId?: string, question?: string): Promise<void> {
    const words = outcome === 'unmatched' || outcome === 'not_helped' ? maskPhones(question ?? '').trim().slice(0, QUESTION_KEPT_CHARS) || null : null;
    await this.db.faqAsk.create({ data: { outcome, entryId, question: words, at: this.now() } });
  }

  // ---- editing (console, CLI); every change raises the version ----

  private async changed(): Promise<void> {
    await this.redis.incr(this.versionKey);
  }

  list() {
    return this.db.faqEntry.findMany({ orderBy: [{ position: 'asc' }, { questionZh: 'asc' }] });
  }

  async create(input: FaqEntryInput) {
    const position = ((await this.db.faqEntry.aggregate({ _max: { position: true } }))._max.position ?? -1) + 1;
    const entry = await this.db.faqEntry.create({ data: { ...input, position } });
    await this.changed();
    return entry;
  }

  /** False when there is no such entry. */
  async update(id: string, input: FaqEntryInput): Promise<boolean> {
    const { count } = await this.db.faqEntry.updateMany({ where: { id }, data: input });
    await this.changed();
    return count > 0;
  }

  async remove(id: string): Promise<boolean> {
    const { count } = await this.db.faqEntry.deleteMany({ where: { id } });
    await this.changed();
    return count > 0;
  }

  /** Replaces the whole FAQ with a CSV file's entries; with any error nothing is changed. */
  async importCsv(text: string): Promise<{ imported: number; errors: FaqCsvError[] }> {
    const { entries, errors } = parseFaqCsv(text);
    if (errors.length) return { imported: 0, errors };
    await this.db.$transaction([this.db.faqEntry.deleteMany({}), this.db.faqEntry.createMany({ data: entries.map((e, position) => ({ ...e, position })) })]);
    await this.changed();
    return { imported: entries.length, errors: [] };
  }

  /** Questions the FAQ did not answer since `since`: none matched, or 仍要反映问题 after the answer. */
  unanswered(since: Date): Promise<FaqAskCounts> {
    return faqAskCounts(this.db, since);
  }
}

/** An unanswered question's words kept (questions the FAQ is asked are at most 40 characters). */
const QUESTION_KEPT_CHARS = 200;

export type FaqAskCounts = { unmatched: number; notHelped: number; helpful: number; answered: number };

/** How the FAQ fared with the questions asked in [from, to): no match and 仍要反映问题 are unanswered for the office. */
export async function faqAskCounts(db: Db, from: Date, to?: Date): Promise<FaqAskCounts> {
  const groups = await db.faqAsk.groupBy({ by: ['outcome'], where: { at: { gte: from, lt: to } }, _count: { _all: true } });
  const count = new Map(groups.map((g) => [g.outcome, g._count._all]));
  return { unmatched: count.get('unmatched') ?? 0, notHelped: count.get('not_helped') ?? 0, helpful: count.get('helpful') ?? 0, answered: count.get('answered') ?? 0 };
}

/**
 * The unanswered questions asked most often since `since`, so the office knows which answers to
 * write: questions that differ only in spaces, punctuation or case count as one, shown as first asked.
 */
export async function frequentUnanswered(db: Db, since: Date, limit: number): Promise<{ question: string; count: number }[]> {
  return db.$queryRaw<{ question: string; count: number }[]>`
    SELECT (array_agg(a."question" ORDER BY a."at"))[1] AS "question", count(*)::int AS "count"
    FROM "FaqAsk" a
    WHERE a."at" >= ${since} AND a."outcome" IN ('unmatched', 'not_helped') AND a."question" IS NOT NULL
    GROUP BY lower(regexp_replace(a."question", '[[:space:][:punct:]，。？！、；：“”‘’（）《》…～·]+', '', 'g'))
    ORDER BY 2 DESC, 1 LIMIT ${limit}`;
}
