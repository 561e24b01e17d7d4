import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { CsvSyntaxError, parseCsv, type TopicClassifier } from '../nlp-models/index.js';
import { departmentFacts } from '../core/cases/assignment.js';
import { caseNumbersOfDays } from '../core/cases/case-number.js';
import { encodeFeatures, featuresOf } from '../core/cases/similarity.js';
import { plannedChange, type Change } from '../core/cases/status-machine.js';
import type { CaseStatus, Db } from '../core/platform/db.js';
import { insertRows, inTransaction, timestamp, type Sql } from '../core/platform/sql.js';
import { loadRouting } from '../core/routing/resolve-department.js';
import { localDate, startOfLocalDay } from '../core/routing/working-days.js';
import { CASE_COLUMNS, EVENT_COLUMNS } from './intake.js';

/**
 * The office's past messages with their official replies, imported as closed cases with their
 * answer, so that staff find them among past answers (过往答复). Each becomes a submission and a
 * case of one stand-in resident per source, with its events written by the status machine's rules
 * (received → accepted → assigned → resolved with the reply → closed) under the silent actor
 * `system:import`: nobody is notified, and the cases carry `source`, which keeps them out of
 * the figures and rates. Idempotent on (source, id): a row already imported is skipped.
 */

export const IMPORT_ACTOR = 'system:import';
export const HISTORY_CSV_COLUMNS = ['id', 'title', 'detail', 'time', 'reply', 'reply_time'] as const;

// "2019/4/25 9:32:09" or "2019-04-25 09:32", local time of the office.
const LOCAL_TIME = /^(\d{4})[/-](\d{1,2})[/-](\d{1,2})(?:[ T](\d{1,2}):(\d{2})(?::(\d{2}))?)?$/;

/** A local date and time of the office as an instant. */
function localInstant(text: string, timeZone: string): Date | null {
  // A spreadsheet's serial date (days since 1899-12-30, local time), as a cell saved unformatted.
  if (/^\d{5}(\.\d+)?$/.test(text.trim())) {
    const days = Number(text);
    const day = new Date(Date.UTC(1899, 11, 30) + Math.floor(days) * 86_400_000).toISOString().slice(0, 10);
    return new Date(startOfLocalDay(day, timeZone).getTime() + Math.round((days % 1) * 86_400) * 1000);
  }
  const m = LOCAL_TIME.exec(text.trim());
  if (!m) return null;
  const [, y, mo, d, h = '0', mi = '0', s = '0'] = m;
  const day = `${y}-${mo!.padStart(2, '0')}-${d!.padStart(2, '0')}`;
  if (Number.isNaN(Date.parse(day))) return null;
  return new Date(startOfLocalDay(day, timeZone).getTime() + ((Number(h) * 60 + Number(mi)) * 60 + Number(s)) * 1000);
}

const rowSchema = z.object({
  id: z.string().trim().min(1).max(64),
  title: z.string().trim().max(500),
  detail: z.string().trim().max(20_000),
  reply: z.string().trim().min(1).max(20_000),
  time: z.date(),
  replyTime: z.date(),
});
type HistoryRow = z.infer<typeof rowSchema>;
export type HistoryError = { row: number; message: string };

/** Reads the CSV: the rows to import, and every row that cannot be (row 0 is the header or the file). */
export function parseHistoryCsv(text: string, timeZone: string): { rows: HistoryRow[]; errors: HistoryError[] } {
  let records: string[][];
  try {
    records = parseCsv(text).filter((r) => !(r.length === 1 && r[0]!.trim() === ''));
  } catch (err) {
    if (err instanceof CsvSyntaxError) return { rows: [], errors: [{ row: 0, message: err.message }] };
    throw err;
  }
  const [header = [], ...data] = records;
  const names = header.map((h) => h.trim().toLowerCase());
  const missing = HISTORY_CSV_COLUMNS.filter((c) => !names.includes(c));
  if (missing.length) return { rows: [], errors: [{ row: 0, message: `missing column(s) ${missing.join(', ')}` }] };
  const rows: HistoryRow[] = [];
  const errors: HistoryError[] = [];
  data.forEach((record, i) => {
    const field = (name: string) => record[names.indexOf(name)] ?? '';
    const parsed = rowSchema.safeParse({
      id: field('id'),
      title: field('title'),
      detail: field('detail'),
      reply: field('reply'),
      time: localInstant(field('time'), timeZone),
      replyTime: localInstant(field('reply_time'), timeZone),
    });
    if (parsed.success && (parsed.data.title || parsed.data.detail)) rows.push(parsed.data);
    else errors.push({ row: i + 1, message: parsed.success ? 'no title or detail' : parsed.error.issues.map((x) => `${x.path.join('.')}: ${x.message}`).join('; ') });
  });
  return { rows, errors };
}

const SUBMISSION_COLUMNS = {
  id: 'uuid', residentId: 'uuid', conversationId: 'uuid', channel: '"Channel"', language: '"Language"', description: 'text', topic: 'text', topicConfidence: 'float8', createdAt: 'timestamp',
} as const;
// The intake's columns, and what a case imported closed has besides (its own times, where it came from).
const IMPORTED_CASE_COLUMNS = { ...CASE_COLUMNS, resolvedAt: 'timestamp', firstResponseAt: 'timestamp', createdAt: 'timestamp', updatedAt: 'timestamp', source: 'text', sourceId: 'text' } as const;
const IMPORTED_EVENT_COLUMNS = { ...EVENT_COLUMNS, at: 'timestamp' } as const;
// One import of a source at a time (advisory lock class, apart from the intake's).
const IMPORT_LOCK = 12_013;

export type HistoryImport = { imported: number; skipped: number };

/**
 * Imports the rows not imported before, in one transaction: submissions, cases and events in a
 * few multi-row statements. The topic is the classifier's best; the department the routing
 * rules give for it, unless `departmentCode` names one.
 */
export async function importHistory(
  deps: { db: Db; sql: Sql; classifier: TopicClassifier; caseNumberPrefix: string; timeZone: string },
  rows: HistoryRow[],
  opts: { source: string; departmentCode?: string },
): Promise<HistoryImport> {
  const { db, sql, classifier, timeZone } = deps;
  const topics = new Set((await db.topic.findMany({ where: { parentId: null }, select: { name: true } })).map((t) => t.name));
  const fixed = opts.departmentCode ? await db.department.findUnique({ where: { code: opts.departmentCode } }) : undefined;
  if (fixed === null) throw new Error(`no department with code ${opts.departmentCode}`);
  const route = await loadRouting(sql);
  // The stand-in resident of the source: its cases were answered elsewhere, it is never written to.
  const resident = await db.resident.upsert({
    where: { channel_externalId: { channel: 'webchat', externalId: `import:${opts.source}` } },
    create: { channel: 'webchat', externalId: `import:${opts.source}` },
    update: {},
  });
  const conversation = (await db.conversation.findFirst({ where: { residentId: resident.id } })) ?? (await db.conversation.create({ data: { residentId: resident.id } }));

  return inTransaction(sql, async (client) => {
    await client.query(`SELECT pg_advisory_xact_lock(${IMPORT_LOCK}, hashtext($1))`, [opts.source]);
    const { rows: done } = await client.query<{ sourceId: string }>(`SELECT "sourceId" FROM "Case" WHERE "source" = $1 AND "sourceId" = ANY($2::text[])`, [
      opts.source,
      rows.map((r) => r.id),
    ]);
    const seen = new Set(done.map((d) => d.sourceId));
    // Rows already imported, and a second row of one id in the file, are skipped.
    const fresh = rows.filter((r) => !seen.has(r.id) && Boolean(seen.add(r.id)));
    if (!fresh.length) return { imported: 0, skipped: rows.length };

    // Numbers of the day each message was received, as if it had come in then.
    const byDay = new Map<string, HistoryRow[]>();
    for (const r of fresh) byDay.set(localDate(r.time, timeZone), [...(byDay.get(localDate(r.time, timeZone)) ?? []), r]);
    const groups = [...byDay.values()];
    const numbers = await caseNumbersOfDays(client, deps.caseNumberPrefix, groups.map((g) => ({ at: g[0]!.time, count: g.length })), timeZone);
    const numberOf = new Map(groups.flatMap((group, i) => group.map((r, k) => [r, numbers[i]![k]!] as const)));

    const submissions: Record<keyof typeof SUBMISSION_COLUMNS, unknown>[] = [];
    const cases: Record<keyof typeof IMPORTED_CASE_COLUMNS, unknown>[] = [];
    const events: Record<keyof typeof IMPORTED_EVENT_COLUMNS, unknown>[] = [];
    for (const r of fresh) {
      const number = numberOf.get(r)!;
      const description = [r.title, r.detail].filter(Boolean).join('\n');
      const best = classifier.classify({ title: r.title, detail: r.detail })[0];
      const topic = best && topics.has(best.label) ? best.label : null;
      const department = fixed ?? route({ topic, regionCode: null });
      const answeredAt = r.replyTime.getTime() < r.time.getTime() + 3 ? new Date(r.time.getTime() + 3) : r.replyTime;
      const ids = { submission: randomUUID(), case: randomUUID() };
      let current = { number, status: 'received' as CaseStatus };
      const columns: { closedAt?: Date | null; resolvedAt?: Date | null } = {};
      const caseEvents: { type: string; actor: string; fromStatus: CaseStatus | null; toStatus: CaseStatus; note: string | null; data: object; at: Date }[] = [
        { type: 'created', actor: IMPORT_ACTOR, fromStatus: null, toStatus: 'received', note: null, data: { number, source: opts.source, sourceId: r.id }, at: r.time },
      ];
      const apply = (change: Change) => {
        const planned = plannedChange(current, change);
        Object.assign(columns, planned.set);
        caseEvents.push(planned.event);
        current = { number, status: planned.status };
      };
      // A millisecond apart, so that the timeline shows them in order.
      const later = (at: Date, ms: number) => new Date(at.getTime() + ms);
      apply({ to: 'accepted', actor: IMPORT_ACTOR, at: later(r.time, 1) });
      apply({ to: 'assigned', actor: IMPORT_ACTOR, at: later(r.time, 2), deadline: null, data: { ...departmentFacts(department, null), fromDepartmentId: null } });
      apply({ to: 'resolved', actor: IMPORT_ACTOR, at: answeredAt, note: r.reply });
      apply({ to: 'closed', actor: IMPORT_ACTOR, at: later(answeredAt, 1), data: { satisfaction: null } });

      submissions.push({ id: ids.submission, residentId: resident.id, conversationId: conversation.id, channel: 'webchat', language: 'zh', description, topic, topicConfidence: best?.score ?? null, createdAt: timestamp(r.time) });
      cases.push({
        id: ids.case, number, submissionId: ids.submission, residentId: resident.id, status: current.status, topic, topicConfidence: best?.score ?? null,
        description, placeText: null, regionCode: null, occurredOn: null, priority: 'normal', departmentId: department.id, deadline: null,
        closedAt: timestamp(columns.closedAt!), resolvedAt: timestamp(columns.resolvedAt!), firstResponseAt: timestamp(answeredAt),
        duplicateOfId: null, features: encodeFeatures(featuresOf(description)), createdAt: timestamp(r.time), updatedAt: timestamp(columns.closedAt!), source: opts.source, sourceId: r.id,
      });
      for (const e of caseEvents) events.push({ ...e, id: randomUUID(), caseId: ids.case, data: JSON.stringify(e.data), at: timestamp(e.at) });
    }
    // Every row carries its own times: nothing is stamped with the import's.
    await client.query(insertRows('Submission', SUBMISSION_COLUMNS, submissions));
    await client.query(insertRows('Case', IMPORTED_CASE_COLUMNS, cases));
    await client.query(insertRows('CaseEvent', IMPORTED_EVENT_COLUMNS, events));
    return { imported: fresh.length, skipped: rows.length - fresh.length };
  });
}
