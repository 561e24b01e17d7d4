import { randomUUID } from 'node:crypto';
import { UnrecoverableError } from 'bullmq';
import { mentionsOutage } from '../nlp-models/index.js';
import type { CaseEvent, CaseStatus, Department, Priority } from '../core/platform/db.js';
import { departmentFacts } from '../core/cases/assignment.js';
import { nextCaseNumbers } from '../core/cases/case-number.js';
import { loadCalendar, workingDaysFor } from '../core/cases/deadlines.js';
import { duplicateScope, openCasesByScope, pickDuplicate, type DuplicateTarget, type OpenCase } from '../core/cases/duplicates.js';
import { queueNotifications, queueRoute } from '../core/cases/follow-up.js';
import { screen, type Screening } from '../core/cases/screening.js';
import { encodeFeatures, featuresOf, type Features } from '../core/cases/similarity.js';
import { plannedChange, type Change } from '../core/cases/status-machine.js';
import { inTransaction, isUniqueViolation, timestamp } from '../core/platform/sql.js';
import { loadRouting } from '../core/routing/resolve-department.js';
import { addWorkingDays } from '../core/routing/working-days.js';
import type { BatchResults } from './batch.js';
import type { WorkerDeps } from './deps.js';
import { needsNotify } from './notify.js';
import type { JobData } from '../core/queues.js';

const ACTOR = 'system:intake';
/** Routing done with the intake keeps the routing worker's name in the timeline. */
const ROUTE_ACTOR = 'system:route';

type SubmissionRow = {
  id: string;
  residentId: string;
  topic: string | null;
  topicConfidence: number | null;
  description: string;
  placeText: string | null;
  regionCode: string | null;
  occurredOn: string | null;
  urgent: boolean;
  caseId: string | null;
  caseNumber: string | null;
};

/** What the intake decided for a new case, before it has a number. */
type Decision = {
  submission: SubmissionRow;
  id: string;
  priority: Priority;
  features: Features;
  verdict: Screening;
  /** The open case about the same problem whose department and deadline this one follows (并单). */
  primary?: DuplicateTarget & { department: NonNullable<OpenCase['department']> };
  /** Otherwise the department the rules give, and its deadline (none for the supervision office's triage). */
  department?: Department;
  deadline?: Date | null;
};

type EventRow = Omit<CaseEvent, 'id' | 'caseId' | 'data' | 'note' | 'fromStatus' | 'toStatus'> & {
  data: object;
  note: string | null;
  fromStatus?: CaseStatus | null;
  toStatus?: CaseStatus | null;
};

function screeningChange(verdict: Screening, at: Date): Change {
  switch (verdict.verdict) {
    case 'accept':
      return { to: 'accepted', actor: ACTOR, at };
    case 'needs_info':
      return { to: 'needs_info', actor: ACTOR, at, data: { missing: verdict.missing } };
    case 'reject':
      return { to: 'rejected', actor: ACTOR, at, data: { reason: verdict.reason } };
  }
}

/**
 * Screening, 并单 and routing of the new cases, in order, each seeing the ones before it: an
 * earlier case of the batch is an open case a later one may join.
 */
function decide(news: Decision[], open: Map<string, OpenCase[]>, route: (p: SubmissionRow) => Department, deadlines: Map<Priority, Date>, threshold: number) {
  for (const d of news) {
    if (d.verdict.verdict !== 'accept') continue;
    const scope = duplicateScope(d.submission);
    const same = scope ? pickDuplicate(d.features, open.get(scope)!, threshold) : null;
    // An open case still waiting for a department is no one to follow: this one is routed on its own.
    if (same?.department && same.department.kind !== 'supervision_office') {
      d.primary = { ...same, department: same.department };
      continue;
    }
    d.department = route(d.submission);
    d.deadline = d.department.kind === 'supervision_office' ? null : deadlines.get(d.priority)!;
    // Most recent first, as the stored ones come; its number is known once the batch has numbers.
    if (scope) open.get(scope)!.unshift({ id: d.id, number: '', deadline: d.deadline, department: d.department, features: d.features });
  }
}

/**
 * A new case's rows: the case in the status its screening and routing leave it in, and its events
 * in order (created, the screening verdict, then 并单, assignment or triage), each change by the
 * status machine's rules.
 */
function caseRows(d: Decision, number: string, numberOf: Map<string, string>, at: Date) {
  const s = d.submission;
  let current = { number, status: 'received' as CaseStatus };
  const columns: { departmentId?: string | null; deadline?: Date | null; closedAt?: Date | null; duplicateOfId?: string | null } = {};
  const events: EventRow[] = [{ type: 'created', actor: ACTOR, toStatus: 'received', note: null, data: { number }, at }];
  const apply = (change: Change) => {
    const planned = plannedChange(current, change);
    Object.assign(columns, planned.set);
    events.push(planned.event);
    current = { number, status: planned.status };
  };
  apply(screeningChange(d.verdict, at));
  if (d.primary) {
    const { id, deadline, department, similarity } = d.primary;
    apply({
      to: 'assigned',
      type: 'merged',
      actor: ACTOR,
      at,
      deadline,
      set: { duplicateOfId: id, departmentId: department.id },
      data: { ...departmentFacts(department, deadline), primary: numberOf.get(id) ?? d.primary.number, similarity: Math.round(similarity * 100) / 100 },
    });
  } else if (d.department?.kind === 'supervision_office') {
    // No rule applies: the supervision office triages by hand.
    columns.departmentId = d.department.id;
    events.push({ type: 'triage', actor: ROUTE_ACTOR, note: null, data: { number, ...departmentFacts(d.department, null) }, at });
  } else if (d.department) {
    const deadline = d.deadline ?? null;
    apply({
      to: 'assigned',
      actor: ROUTE_ACTOR,
      at,
      deadline,
      set: { departmentId: d.department.id },
      data: { ...departmentFacts(d.department, deadline), fromDepartmentId: null },
    });
  }
  const row = {
    id: d.id,
    number,
    submissionId: s.id,
    residentId: s.residentId,
    status: current.status,
    topic: s.topic,
    topicConfidence: s.topicConfidence,
    description: s.description,
    placeText: s.placeText,
    regionCode: s.regionCode,
    occurredOn: s.occurredOn,
    priority: d.priority,
    departmentId: columns.departmentId ?? null,
    deadline: columns.deadline ? timestamp(columns.deadline) : null,
    closedAt: columns.closedAt ? timestamp(columns.closedAt) : null,
    duplicateOfId: columns.duplicateOfId ?? null,
    features: encodeFeatures(d.features),
  };
  return { row, events: events.map((e) => ({ ...e, id: randomUUID(), caseId: d.id })) };
}

// Column → PostgreSQL array type of the multi-row inserts (one array parameter per column).
export const CASE_COLUMNS = {
  id: 'uuid', number: 'text', submissionId: 'uuid', residentId: 'uuid', status: '"CaseStatus"', topic: 'text', topicConfidence: 'float8',
  description: 'text', placeText: 'text', regionCode: 'text', occurredOn: 'date', priority: '"Priority"', departmentId: 'uuid',
  deadline: 'timestamp', closedAt: 'timestamp', duplicateOfId: 'uuid', features: 'bytea',
} as const;
export const EVENT_COLUMNS = { id: 'uuid', caseId: 'uuid', type: 'text', actor: 'text', fromStatus: '"CaseStatus"', toStatus: '"CaseStatus"', note: 'text', data: 'jsonb' } as const;

/** INSERT … SELECT FROM unnest(…): any number of rows in one statement, `at` for the `stamps` columns (createdAt/updatedAt or at). */
export function insertRows<C extends Record<string, string>>(table: string, columns: C, rows: Record<keyof C, unknown>[], stamps: string[] = [], at?: Date) {
  const names = Object.keys(columns);
  const params: unknown[] = names.map((n) => rows.map((r) => r[n]));
  const unnest = names.map((n, i) => `$${i + 1}::${columns[n]}[]`).join(', ');
  // Only when stamped: a parameter no column uses has no type PostgreSQL can determine.
  if (stamps.length) params.push(timestamp(at!));
  const cols = [...names, ...stamps].map((n) => `"${n}"`).join(', ');
  const values = [...names.map((n) => `u."${n}"`), ...stamps.map(() => `$${names.length + 1}::timestamp`)].join(', ');
  return { text: `INSERT INTO "${table}" (${cols}) SELECT ${values} FROM unnest(${unnest}) AS u(${names.map((n) => `"${n}"`).join(', ')})`, values: params };
}

// A class id for the advisory locks of duplicate scopes, apart from any other use of them.
const SCOPE_LOCK = 12_012;

/**
 * New cases for the submissions of a batch, in one transaction: screened, compared with the open
 * cases of their region and topic (and with each other), merged or routed, with all their events.
 * The scopes compared are locked for the transaction, so two workers never both miss that their
 * cases are the same problem; the day's number counter is taken last, so it is held only for the
 * writes. Returns the new cases' ids by submission.
 */
async function createCases(deps: WorkerDeps, submissions: SubmissionRow[]): Promise<{ created: Map<string, { id: string; number: string }>; events: { id: string; type: string; actor: string }[] }> {
  const { config } = deps;
  const at = deps.now();
  const news: Decision[] = submissions.map((s) => ({
    submission: s,
    id: randomUUID(),
    // A cut-off supply hurts many at once: high priority even when it is not (yet) a danger.
    priority: s.urgent ? 'urgent' : mentionsOutage(s.description) ? 'high' : 'normal',
    features: featuresOf(s.description),
    verdict: screen(s, config.SCREEN_MIN_DETAIL_CHARS),
  }));
  const accepted = news.filter((d) => d.verdict.verdict === 'accept');
  const [route, calendar] = accepted.length ? await Promise.all([loadRouting(deps.db), loadCalendar(deps.db)]) : [() => { throw new Error('no routing'); }, null];
  const deadlines = new Map((['urgent', 'high', 'normal'] as const).map((p) => [p, calendar ? addWorkingDays(at, workingDaysFor(config, p), config.TIMEZONE, calendar) : at]));
  const scopes = [...new Set(accepted.map((d) => duplicateScope(d.submission)).filter((s): s is string => !!s))].sort();
  return inTransaction(deps.sql, async (client) => {
    if (scopes.length) await client.query(`SELECT pg_advisory_xact_lock(${SCOPE_LOCK}, hashtext(s)) FROM unnest($1::text[]) AS s`, [scopes]);
    const open = await openCasesByScope(client, scopes, at, config.DUPLICATE_WINDOW_DAYS);
    decide(news, open, route, deadlines, config.DUPLICATE_SIMILARITY);
    const numbers = await nextCaseNumbers(client, config.CASE_NUMBER_PREFIX, at, config.TIMEZONE, news.length);
    const numberOf = new Map(news.map((d, i) => [d.id, numbers[i]!]));
    const rows = news.map((d, i) => caseRows(d, numbers[i]!, numberOf, at));
    const events = rows.flatMap((r) => r.events);
    await client.query(insertRows('Case', CASE_COLUMNS, rows.map((r) => r.row), ['createdAt', 'updatedAt'], at));
    await client.query(
      insertRows('CaseEvent', EVENT_COLUMNS, events.map((e) => ({ ...e, fromStatus: e.fromStatus ?? null, toStatus: e.toStatus ?? null, data: JSON.stringify(e.data) })), ['at'], at),
    );
    return { created: new Map(news.map((d, i) => [d.submission.id, { id: d.id, number: numbers[i]! }])), events };
  });
}

/**
 * Submissions → screened, merged or routed cases, a batch at a time. Idempotent on the submission
 * id: the cases (unique submissionId), their numbers and events are written in one transaction,
 * so a worker that dies half-way leaves nothing behind and the retry creates exactly one case
 * each. What follows (telling the resident, routing a case an older intake left unrouted) is
 * queued from the stored events, on every attempt. Returns each submission's case number.
 */
export async function processIntakeBatch(deps: WorkerDeps, submissionIds: string[]): Promise<BatchResults<string>> {
  const { sql, log } = deps;
  for (let attempt = 1; ; attempt++) {
    const { rows } = await sql.query<SubmissionRow>(
      `SELECT s."id", s."residentId", s."topic", s."topicConfidence", s."description", s."placeText", s."regionCode",
              s."occurredOn"::text AS "occurredOn", s."urgent", c."id" AS "caseId", c."number" AS "caseNumber"
       FROM "Submission" s LEFT JOIN "Case" c ON c."submissionId" = s."id" WHERE s."id" = ANY($1::uuid[])`,
      [submissionIds],
    );
    const found = new Map(rows.map((r) => [r.id, r]));
    const news = [...found.values()].filter((r) => !r.caseId);
    let made: Awaited<ReturnType<typeof createCases>> | null = null;
    try {
      made = news.length ? await createCases(deps, news) : null;
    } catch (err) {
      // Another worker created one of them a moment ago: read again and use theirs.
      if (isUniqueViolation(err) && attempt < 3) continue;
      throw err;
    }
    for (const [submissionId, c] of made?.created ?? []) log.info({ caseNumber: c.number, submissionId }, 'case created');
    const existing = rows.filter((r) => r.caseId);
    await queueFollowUps(deps, made?.events ?? [], existing.map((r) => r.caseId!));
    return submissionIds.map((id) => {
      const row = found.get(id);
      if (!row) return new UnrecoverableError(`submission ${id} does not exist`);
      return row.caseNumber ?? made!.created.get(id)!.number;
    });
  }
}

/**
 * Queues what the intake's events call for: the resident's messages, and the routing of a case an
 * earlier intake accepted without routing it. For cases written before (a retried job), the
 * events are read back: those written with the case, at its creation.
 */
async function queueFollowUps(deps: WorkerDeps, fresh: { id: string; type: string; actor: string }[], existingCaseIds: string[]) {
  const { db, queues } = deps;
  const stored = existingCaseIds.length
    ? await db.caseEvent.findMany({ where: { caseId: { in: existingCaseIds }, actor: { in: [ACTOR, ROUTE_ACTOR] } }, include: { case: { select: { createdAt: true, status: true, departmentId: true } } }, orderBy: { at: 'asc' } })
    : [];
  const written = stored.filter((e) => e.at.getTime() === e.case.createdAt.getTime());
  await queueNotifications(queues, [...fresh, ...written].filter(needsNotify));
  for (const e of written) {
    if (e.type === 'accepted' && e.actor === ACTOR && e.case.status === 'accepted' && !e.case.departmentId) await queueRoute(queues, e.caseId, e);
  }
}

export async function processIntake(deps: WorkerDeps, { submissionId }: JobData<'intake'>): Promise<string> {
  const [result] = await processIntakeBatch(deps, [submissionId]);
  if (result instanceof Error) throw result;
  return result!;
}
