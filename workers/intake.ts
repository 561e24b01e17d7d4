import { randomUUID } from 'node:crypto';
import { UnrecoverableError } from 'bullmq';
import { mentionsOutage } from '../nlp-models/index.js';
import type { CaseEvent, CaseStatus, Department, Priority } from '../core/platform/db.js';
import { departmentFacts } from '../core/cases/assignment.js';
import { nextCaseNumbers } from '../core/cases/case-number.js';
import { readCalendar, workingDaysFor } from '../core/cases/deadlines.js';
import { duplicateScope, knowFeatures, openCasesByScope, pickDuplicate, type DuplicateTarget, type OpenCase } from '../core/cases/duplicates.js';
import { queueNotifications, queueRoute } from '../core/cases/follow-up.js';
import { screen, type Screening } from '../core/cases/screening.js';
import { encodeFeatures, featuresOrText, type Features } from '../core/cases/similarity.js';
import { plannedChange, type Change } from '../core/cases/status-machine.js';
import { channelOfStored, insertRows, inTransaction, isUniqueViolation, oneStatement, timestamp } from '../core/platform/sql.js';
import { loadRouting } from '../core/routing/resolve-department.js';
import { addWorkingDays } from '../core/routing/working-days.js';
import type { BatchResults } from './batch.js';
import type { WorkerDeps } from './deps.js';
import { eventMessage, needsNotify, type NotifiedCase } from './notify.js';
import { recordMessages, sendRecorded, type Message } from '../core/deliveries.js';
import { departmentsWithContacts, isAlertDue, queueAlerts } from '../core/alerts/alerts.js';
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
  /** The description's features as filed (core/outbox.ts). */
  features: Buffer | null;
  /** Where the resident hears of the new case (notify.ts). */
  conversationId: string;
  resident: NotifiedCase['resident'];
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

type EventRow = Omit<CaseEvent, 'id' | 'caseId' | 'data' | 'note' | 'fromStatus' | 'toStatus' | 'alertDue'> & {
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
function caseRows(d: Decision, number: string, numberOf: Map<string, string>, at: Date, timeZone: string) {
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
  const stored = events.map((e) => ({ ...e, id: randomUUID(), caseId: d.id }));
  const told: NotifiedCase = { number, deadline: columns.deadline ?? null, department: d.primary?.department ?? d.department ?? null, resident: s.resident, conversationId: s.conversationId };
  return { row, events: stored, messages: stored.flatMap((e) => eventMessage(e, told, timeZone) ?? []) };
}

// Column → PostgreSQL array type of the multi-row inserts (one array parameter per column).
export const CASE_COLUMNS = {
  id: 'uuid', number: 'text', submissionId: 'uuid', residentId: 'uuid', status: '"CaseStatus"', topic: 'text', topicConfidence: 'float8',
  description: 'text', placeText: 'text', regionCode: 'text', occurredOn: 'date', priority: '"Priority"', departmentId: 'uuid',
  deadline: 'timestamp', closedAt: 'timestamp', duplicateOfId: 'uuid', features: 'bytea',
} as const;
export const EVENT_COLUMNS = { id: 'uuid', caseId: 'uuid', type: 'text', actor: 'text', fromStatus: '"CaseStatus"', toStatus: '"CaseStatus"', note: 'text', data: 'jsonb' } as const;

// A class id for the advisory locks of duplicate scopes, apart from any other use of them.
const SCOPE_LOCK = 12_012;

/**
 * New cases for the submissions of a batch, in one transaction: screened, compared with the open
 * cases of their region and topic (and with each other), merged or routed, with all their events.
 * The scopes compared are locked for the transaction, so two workers never both miss that their
 * cases are the same problem; the day's number counter is taken last, so it is held only for the
 * writes. The residents' messages about the new cases are recorded in the same transaction, so
 * each case is told exactly once with no notify job in between. Returns the new cases' ids by
 * submission, their events and the messages to queue once committed.
 */
async function createCases(deps: WorkerDeps, submissions: SubmissionRow[]): Promise<{ created: Map<string, { id: string; number: string }>; events: (EventRow & { id: string })[]; messages: Message[]; reachable: Set<string> }> {
  const { config } = deps;
  const at = deps.now();
  const news: Decision[] = submissions.map((s) => ({
    submission: s,
    id: randomUUID(),
    // A cut-off supply hurts many at once: high priority even when it is not (yet) a danger.
    priority: s.urgent ? 'urgent' : mentionsOutage(s.description) ? 'high' : 'normal',
    features: featuresOrText(s.features, s.description),
    verdict: screen(s, config.SCREEN_MIN_DETAIL_CHARS),
  }));
  const accepted = news.filter((d) => d.verdict.verdict === 'accept');
  const [[route, calendar], reachable] = await Promise.all([
    accepted.length ? Promise.all([loadRouting(deps.sql), readCalendar(deps.sql)]) : [() => { throw new Error('no routing'); }, null] as const,
    departmentsWithContacts(deps.sql),
  ]);
  const deadlines = new Map((['urgent', 'high', 'normal'] as const).map((p) => [p, calendar ? addWorkingDays(at, workingDaysFor(config, p), config.TIMEZONE, calendar) : at]));
  const scopes = [...new Set(accepted.map((d) => duplicateScope(d.submission)).filter((s): s is string => !!s))].sort();
  return inTransaction(deps.sql, async (client) => {
    if (scopes.length) await client.query(`SELECT pg_advisory_xact_lock(${SCOPE_LOCK}, hashtext(s)) FROM unnest($1::text[]) AS s`, [scopes]);
    const open = await openCasesByScope(client, scopes, at, config.DUPLICATE_WINDOW_DAYS);
    decide(news, open, route, deadlines, config.DUPLICATE_SIMILARITY);
    const numbers = await nextCaseNumbers(client, config.CASE_NUMBER_PREFIX, at, config.TIMEZONE, news.length);
    const numberOf = new Map(news.map((d, i) => [d.id, numbers[i]!]));
    const rows = news.map((d, i) => caseRows(d, numbers[i]!, numberOf, at, config.TIMEZONE));
    const events = rows.flatMap((r) => r.events);
    const messages = rows.flatMap((r) => r.messages);
    // Cases, events and messages in one round trip.
    await client.query(
      oneStatement([
        insertRows('Case', CASE_COLUMNS, rows.map((r) => r.row), ['createdAt', 'updatedAt'], at),
        // An event whose alert is queued after the commit is marked for the reconciler until its job ran.
        insertRows(
          'CaseEvent',
          { ...EVENT_COLUMNS, alertDue: 'boolean' },
          events.map((e) => ({ ...e, fromStatus: e.fromStatus ?? null, toStatus: e.toStatus ?? null, data: JSON.stringify(e.data), alertDue: isAlertDue(e, reachable) })),
          ['at'],
          at,
        ),
        recordMessages(messages, at),
      ]),
    );
    // The next batches compare with these cases without reading them back.
    for (const d of news) knowFeatures(d.id, d.features);
    return { created: new Map(news.map((d, i) => [d.submission.id, { id: d.id, number: numbers[i]! }])), events, messages, reachable };
  });
}

/**
 * Submissions → screened, merged or routed cases, a batch at a time. Idempotent on the submission
 * id: the cases (unique submissionId), their numbers and events are written in one transaction,
 * so a worker that dies half-way leaves nothing behind and the retry creates exactly one case
 * each. What follows (the residents' recorded messages, the departments' alerts; for a case an
 * earlier attempt wrote, its notifications and routing) is queued after the commit, on every
 * attempt: the job completes only once it is queued. Returns each submission's case number.
 */
export async function processIntakeBatch(deps: WorkerDeps, submissionIds: string[]): Promise<BatchResults<string>> {
  const { sql, log } = deps;
  for (let attempt = 1; ; attempt++) {
    const { rows } = await sql.query<SubmissionRow>(
      `SELECT s."id", s."residentId", s."topic", s."topicConfidence", s."description", s."placeText", s."regionCode",
              s."occurredOn"::text AS "occurredOn", s."urgent", c."id" AS "caseId", c."number" AS "caseNumber", s."features", s."conversationId",
              json_build_object('channel', r."channel", 'externalId', r."externalId", 'language', r."language") AS "resident"
       FROM "Submission" s JOIN "Resident" r ON r."id" = s."residentId" LEFT JOIN "Case" c ON c."submissionId" = s."id"
       WHERE s."id" = ANY($1::uuid[])`,
      [submissionIds],
    );
    // Read with plain pg, the channel comes in the database's spelling.
    for (const r of rows) r.resident.channel = channelOfStored(r.resident.channel);
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
    await Promise.all([
      sendRecorded(deps, made?.messages ?? []),
      queueAlerts(deps.queues, made?.events ?? [], made?.reachable),
      queueFollowUps(deps, existing.map((r) => r.caseId!)),
    ]);
    return submissionIds.map((id) => {
      const row = found.get(id);
      if (!row) return new UnrecoverableError(`submission ${id} does not exist`);
      return row.caseNumber ?? made!.created.get(id)!.number;
    });
  }
}

/**
 * For cases an earlier attempt wrote (a retried job): what their intake events call for, read
 * back (those written with the case, at its creation): notify jobs (which record nothing twice and
 * queue the alerts), and the routing of a case an older intake accepted without routing it.
 */
async function queueFollowUps(deps: WorkerDeps, existingCaseIds: string[]) {
  if (!existingCaseIds.length) return;
  const { db, queues } = deps;
  const stored = await db.caseEvent.findMany({ where: { caseId: { in: existingCaseIds }, actor: { in: [ACTOR, ROUTE_ACTOR] } }, include: { case: { select: { createdAt: true, status: true, departmentId: true } } }, orderBy: { at: 'asc' } });
  const written = stored.filter((e) => e.at.getTime() === e.case.createdAt.getTime());
  await queueNotifications(queues, written.filter(needsNotify));
  for (const e of written) {
    if (e.type === 'accepted' && e.actor === ACTOR && e.case.status === 'accepted' && !e.case.departmentId) await queueRoute(queues, e.caseId, e);
  }
}

export async function processIntake(deps: WorkerDeps, { submissionId }: JobData<'intake'>): Promise<string> {
  const [result] = await processIntakeBatch(deps, [submissionId]);
  if (result instanceof Error) throw result;
  return result!;
}
