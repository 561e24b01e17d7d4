import { z } from 'zod';
import type { StaffErrorKey, Vars } from '../i18n/index.js';
import type { Config } from '../platform/config.js';
import type { Case, CaseEvent, CaseRequest, CaseStatus, Db, Prisma, Staff, StaffRole, Tx } from '../platform/db.js';
import type { Queues } from '../queues.js';
import { isoDay, localDayRange } from '../routing/working-days.js';
import { assign, departmentFacts } from './assignment.js';
import { deadlineFor } from './deadlines.js';
import { queueNotifications, queueRoute } from './follow-up.js';
import { IllegalTransitionError, OPEN_STATUSES, recordEvent, transition } from './status-machine.js';
import { isUuid } from '../platform/ids.js';

/** Who acts: enough of a staff account to check what they may do. */
export type StaffActor = Pick<Staff, 'id' | 'role' | 'departmentId'>;

/** The one department whose cases a member of staff may see (a handler's), or undefined for all of them. */
export function departmentScope(staff: StaffActor): string | undefined {
  return staff.role === 'handler' ? (staff.departmentId ?? '00000000-0000-0000-0000-000000000000') : undefined;
}

export type CaseActionErrorCode = 'not_found' | 'forbidden' | 'invalid' | 'conflict';

/**
 * A refused action, with a code every front end maps to its own answer (404, 403, 400, 409), and
 * the text that tells staff why (key and values) in their language.
 */
export class CaseActionError extends Error {
  constructor(
    readonly code: CaseActionErrorCode,
    message: string,
    readonly key: StaffErrorKey,
    readonly params: Vars = {},
  ) {
    super(message);
  }
}

const text = z.string().trim().min(1).max(10_000);

const ALL: StaffRole[] = ['admin', 'supervisor', 'handler'];
const OFFICE: StaffRole[] = ['admin', 'supervisor'];
/** A department's own requests to the supervision office. */
const DEPARTMENT: StaffRole[] = ['handler'];

/** Which roles may take each action; handlers only ever on their own department's cases. */
export const PERMISSIONS = {
  accept: OFFICE,
  reject: OFFICE,
  requestInfo: ALL,
  // A department gives a case back only through a hand-back the office decides on (handBack).
  assign: OFFICE,
  reply: ALL,
  note: ALL,
  resolve: ALL,
  reopen: OFFICE,
  supervise: OFFICE,
  approve: OFFICE,
  return: OFFICE,
  requestExtension: DEPARTMENT,
  handBack: DEPARTMENT,
  approveRequest: OFFICE,
  refuseRequest: OFFICE,
  correctTopic: ALL,
  correctPlace: ALL,
} satisfies Record<string, StaffRole[]>;
export type CaseAction = keyof typeof PERMISSIONS;
export const CASE_ACTIONS = Object.keys(PERMISSIONS) as CaseAction[];

/** Statuses in which a department can answer the resident or ask them something. */
const WORKING: CaseStatus[] = ['assigned', 'in_progress', 'reopened'];

/** What the case must be like for each action to make sense (the console offers only these). */
const WHEN: Record<CaseAction, (c: Pick<Case, 'status' | 'supervisedAt' | 'source'>, pending: boolean) => boolean> = {
  accept: (c) => c.status === 'received' || c.status === 'needs_info',
  reject: (c) => ['received', 'needs_info', 'accepted'].includes(c.status),
  requestInfo: (c) => c.status === 'received' || c.status === 'accepted' || WORKING.includes(c.status),
  assign: (c) => c.status === 'accepted' || WORKING.includes(c.status),
  reply: (c) => c.status === 'accepted' || WORKING.includes(c.status),
  note: () => true,
  resolve: (c) => WORKING.includes(c.status),
  // A past case imported with its answer (history:import) was handled elsewhere: there is no one to reopen it for.
  reopen: (c) => (c.status === 'resolved' || c.status === 'closed') && c.source === null,
  supervise: (c) => !c.supervisedAt && [...OPEN_STATUSES, 'needs_info'].includes(c.status),
  approve: (c) => c.status === 'in_review',
  return: (c) => c.status === 'in_review',
  requestExtension: (c, pending) => !pending && WORKING.includes(c.status),
  handBack: (c, pending) => !pending && WORKING.includes(c.status),
  approveRequest: (_c, pending) => pending,
  refuseRequest: (_c, pending) => pending,
  correctTopic: (c) => c.status !== 'rejected',
  correctPlace: (c) => c.status !== 'rejected',
};

/** The actions a member of staff may take on a case now: what the console shows. */
export function availableActions(actor: StaffActor, c: Pick<Case, 'status' | 'supervisedAt' | 'source'>, pending: boolean): CaseAction[] {
  return CASE_ACTIONS.filter((a) => PERMISSIONS[a].includes(actor.role) && WHEN[a](c, pending));
}

/** Evidence of a resolution as events carry it, so that the resident's message can include it. */
export type Evidence = { id: string; sha256: string; mimeType: string };

export type CaseActionsDeps = { db: Db; config: Config; queues: Pick<Queues, 'notify' | 'route'>; now: () => Date };

type Work = (tx: Tx, current: Case, at: Date, actor: string) => Promise<CaseEvent[]>;

/**
 * Every staff action on a case, for every front end (console, chat commands, API). Each one checks
 * the actor's role and department, changes the case and writes its events in one transaction,
 * then queues the resident's notifications.
 */
export function caseActions(deps: CaseActionsDeps) {
  const { db, config } = deps;

  async function load(actor: StaffActor, caseId: string, action: CaseAction): Promise<Case> {
    if (!PERMISSIONS[action].includes(actor.role)) throw new CaseActionError('forbidden', `a ${actor.role} may not ${action} a case`, 'staffError.roleMayNot');
    const found = isUuid(caseId) ? await db.case.findUnique({ where: { id: caseId } }) : null;
    // Another department's case does not exist for a handler: its number is not revealed either.
    if (!found || (actor.role === 'handler' && found.departmentId !== actor.departmentId)) {
      throw new CaseActionError('not_found', 'no such case', 'staffError.caseNotFound');
    }
    return found;
  }

  async function run(actor: StaffActor, caseId: string, action: CaseAction, work: Work): Promise<CaseEvent[]> {
    const current = await load(actor, caseId, action);
    // The same rule as the console's offer; the status machine still settles a race.
    if (!WHEN[action](current, !!(await pendingRequest(db, current.id)))) {
      throw new CaseActionError('conflict', `case ${current.number} is ${current.status}: ${action} does not apply now`, 'staffError.actionNotNow', { number: current.number, from: current.status });
    }
    let events: CaseEvent[];
    try {
      events = await db.$transaction((tx) => work(tx, current, deps.now(), `staff:${actor.id}`));
    } catch (err) {
      if (err instanceof IllegalTransitionError) {
        throw new CaseActionError('conflict', err.message, 'staffError.illegalTransition', { number: err.caseNumber, from: err.from, to: err.to });
      }
      throw err;
    }
    await queueNotifications(deps.queues, events);
    return events;
  }

  function required(value: unknown, what: string, key: StaffErrorKey): string {
    const parsed = text.safeParse(value);
    if (!parsed.success) throw new CaseActionError('invalid', `${what} is required`, key);
    return parsed.data;
  }

  return {
    async accept(actor: StaffActor, caseId: string, note?: string) {
      const events = await run(actor, caseId, 'accept', async (tx, c, at, by) => [await transition(tx, c, { to: 'accepted', actor: by, at, note })]);
      await queueRoute(deps.queues, caseId, events[0]!);
      return events;
    },

    async reject(actor: StaffActor, caseId: string, reason: string) {
      const note = required(reason, 'a reason', 'staffError.reasonRequired');
      return run(actor, caseId, 'reject', async (tx, c, at, by) => [
        await transition(tx, c, { to: 'rejected', actor: by, at, note, data: { reason: 'staff' } }),
      ]);
    },

    /** Before acceptance the case waits for the answer; while a department works it, it goes on. */
    async requestInfo(actor: StaffActor, caseId: string, question: string) {
      const note = required(question, 'a question', 'staffError.questionRequired');
      return run(actor, caseId, 'requestInfo', async (tx, c, at, by) => {
        if (c.status === 'received' || c.status === 'accepted') {
          return [await transition(tx, c, { to: 'needs_info', type: 'info_requested', actor: by, at, note })];
        }
        if (!WORKING.includes(c.status)) throw new IllegalTransitionError(c.status, 'needs_info', c.number);
        return [await recordEvent(tx, c, { type: 'info_requested', actor: by, at, note })];
      });
    },

    /** Assigns or transfers to a department; a handler may only hand a case back to the supervision office. */
    async assign(actor: StaffActor, caseId: string, departmentId: string, note?: string) {
      const department = isUuid(departmentId)
        ? await db.department.findUnique({ where: { id: departmentId } })
        : null;
      if (!department) throw new CaseActionError('invalid', 'no such department', 'staffError.noSuchDepartment');
      if (actor.role === 'handler' && department.kind !== 'supervision_office') {
        throw new CaseActionError('forbidden', 'a handler may only return a case to the supervision office', 'staffError.handlerReturnOnly');
      }
      return run(actor, caseId, 'assign', async (tx, c, at, by) => [
        await assign(tx, c, department, { actor: by, at, note, deadline: await deadlineFor(tx, config, c.priority, at) }),
      ]);
    },

    /**
     * A message to the resident, signed by the author's department (the supervision office for
     * staff without one); the first one starts the work (in_progress) and the response clock.
     */
    async reply(actor: StaffActor, caseId: string, message: string) {
      const note = required(message, 'a message', 'staffError.messageRequired');
      return run(actor, caseId, 'reply', async (tx, c, at, by) => {
        if (!WORKING.includes(c.status) && c.status !== 'accepted') throw new IllegalTransitionError(c.status, 'in_progress', c.number);
        if (!c.firstResponseAt) await tx.case.update({ where: { id: c.id }, data: { firstResponseAt: at } });
        const author = await tx.department.findFirstOrThrow({
          where: actor.departmentId ? { id: actor.departmentId } : { kind: 'supervision_office' },
          select: { name: true, nameEn: true },
        });
        const data = { departmentName: author.name, departmentNameEn: author.nameEn };
        if (c.status === 'assigned' || c.status === 'reopened') {
          return [await transition(tx, c, { to: 'in_progress', type: 'reply', actor: by, at, note, data })];
        }
        return [await recordEvent(tx, c, { type: 'reply', actor: by, at, note, data })];
      });
    },

    /** Internal: never shown to the resident. */
    async note(actor: StaffActor, caseId: string, body: string) {
      const note = required(body, 'a note', 'staffError.noteRequired');
      return run(actor, caseId, 'note', async (tx, c, at, by) => [await recordEvent(tx, c, { type: 'note', actor: by, at, note })]);
    },

    /**
     * The answer for the resident, with evidence uploaded for the case (photos, PDFs). A
     * department's answer waits for the supervision office's review when REVIEW_BEFORE_CLOSE is
     * on; the office's own is final. Cases linked to this one (并单) are resolved with it.
     */
    async resolve(actor: StaffActor, caseId: string, result: string, evidenceIds: string[] = []) {
      const note = required(result, 'the result', 'staffError.resultRequired');
      return run(actor, caseId, 'resolve', async (tx, c, at, by) => {
        const evidence = await evidenceOf(tx, c, evidenceIds);
        const data = evidence.length ? { evidence } : undefined;
        if (config.REVIEW_BEFORE_CLOSE && actor.role === 'handler') {
          if (!WORKING.includes(c.status)) throw new IllegalTransitionError(c.status, 'in_review', c.number);
          const set = { firstResponseAt: c.firstResponseAt ?? at };
          return [await transition(tx, c, { to: 'in_review', type: 'review_submitted', actor: by, at, note, data, set })];
        }
        return resolveWithLinked(tx, c, { type: 'resolved', actor: by, at, note, evidence });
      });
    },

    /** 审核通过: the department's answer goes to the resident (and to the linked cases' residents). */
    async approve(actor: StaffActor, caseId: string, remark?: string) {
      return run(actor, caseId, 'approve', async (tx, c, at, by) => {
        if (c.status !== 'in_review') throw new IllegalTransitionError(c.status, 'resolved', c.number);
        const submitted = await tx.caseEvent.findFirstOrThrow({ where: { caseId: c.id, type: 'review_submitted' }, orderBy: { at: 'desc' } });
        const evidence = ((submitted.data ?? {}) as { evidence?: Evidence[] }).evidence ?? [];
        return resolveWithLinked(tx, c, { type: 'review_approved', actor: by, at, note: submitted.note, evidence, remark: remark?.trim() || undefined });
      });
    },

    /** 审核退回: back to the department with the reason; its deadline keeps running, and the return is counted. */
    async return(actor: StaffActor, caseId: string, reason: string) {
      const note = required(reason, 'a reason', 'staffError.reasonRequired');
      return run(actor, caseId, 'return', async (tx, c, at, by) => [
        await transition(tx, c, { to: 'in_progress', type: 'review_returned', actor: by, at, note, set: { returnedCount: { increment: 1 } } }),
      ]);
    },

    /** 申请延期: a new deadline (a day, its end in the office's time zone) for the office to approve. */
    async requestExtension(actor: StaffActor, caseId: string, until: string, reason: string) {
      const note = required(reason, 'a reason', 'staffError.reasonRequired');
      const day = isoDay.safeParse(until);
      if (!day.success) throw new CaseActionError('invalid', 'a new deadline (YYYY-MM-DD) is required', 'staffError.deadlineRequired');
      const deadline = new Date(localDayRange(day.data, day.data, config.TIMEZONE).to.getTime() - 1000);
      return run(actor, caseId, 'requestExtension', async (tx, c, at, by) => {
        if (deadline <= at || (c.deadline && deadline <= c.deadline)) throw new CaseActionError('invalid', 'the new deadline must be later than the current one', 'staffError.laterDeadline');
        const request = await openRequest(tx, c, actor, { kind: 'extension', until: deadline, text: note, at });
        return [await recordEvent(tx, c, { type: 'extension_requested', actor: by, at, note, data: { requestId: request.id, until: deadline.toISOString() } })];
      });
    },

    /** 退单: the department says the case is not its business; the office decides. */
    async handBack(actor: StaffActor, caseId: string, reason: string) {
      const note = required(reason, 'a reason', 'staffError.reasonRequired');
      return run(actor, caseId, 'handBack', async (tx, c, at, by) => {
        const request = await openRequest(tx, c, actor, { kind: 'handback', text: note, at });
        return [await recordEvent(tx, c, { type: 'handback_requested', actor: by, at, note, data: { requestId: request.id } })];
      });
    },

    /**
     * Approves the case's pending request: an extension moves the deadline (and is counted); a
     * hand-back returns the case to triage at the supervision office, recording the department
     * that refused it.
     */
    async approveRequest(actor: StaffActor, caseId: string, remark?: string) {
      return run(actor, caseId, 'approveRequest', async (tx, c, at, by) => {
        const request = await decide(tx, c, actor, 'approved', at, remark?.trim() || null);
        const data = { requestId: request.id };
        const note = remark?.trim() || null;
        if (request.kind === 'extension') {
          if (![...WORKING, 'in_review'].includes(c.status)) throw new CaseActionError('conflict', `case ${c.number} is no longer being worked on`, 'staffError.movedOn');
          await tx.case.update({
            where: { id: c.id },
            data: { deadline: request.until, extensionCount: { increment: 1 }, overdueAt: null, remindedAt: null },
          });
          return [await recordEvent(tx, c, { type: 'extension_approved', actor: by, at, note, data: { ...data, deadline: request.until!.toISOString() } })];
        }
        const office = await tx.department.findFirstOrThrow({ where: { kind: 'supervision_office' } });
        const refused = request.departmentId ? await tx.department.findUnique({ where: { id: request.departmentId } }) : null;
        const refusedBy = refused ? { refusedDepartmentId: refused.id, refusedDepartmentName: refused.name, refusedDepartmentNameEn: refused.nameEn } : {};
        return [
          await transition(tx, c, {
            to: 'accepted',
            type: 'handback_approved',
            actor: by,
            at,
            note,
            set: { departmentId: office.id },
            data: { ...data, ...departmentFacts(office, null), ...refusedBy },
          }),
        ];
      });
    },

    /** Refuses the case's pending request; the reason is on the timeline for the handler. */
    async refuseRequest(actor: StaffActor, caseId: string, reason: string) {
      const note = required(reason, 'a reason', 'staffError.reasonRequired');
      return run(actor, caseId, 'refuseRequest', async (tx, c, at, by) => {
        const request = await decide(tx, c, actor, 'refused', at, note);
        return [await recordEvent(tx, c, { type: `${request.kind}_refused`, actor: by, at, note, data: { requestId: request.id } })];
      });
    },

    /** A corrected topic, kept as a labelled example for the topic classifier. */
    async correctTopic(actor: StaffActor, caseId: string, topic: string) {
      const to = required(topic, 'a topic', 'staffError.noSuchTopic');
      const [first, second, ...more] = to.split('/');
      const known = await db.topic.findFirst({ where: { name: second ?? first, parent: second ? { name: first, parentId: null } : null } });
      if (!known || more.length) throw new CaseActionError('invalid', 'no such topic', 'staffError.noSuchTopic');
      return run(actor, caseId, 'correctTopic', async (tx, c, at, by) => {
        if (!WHEN.correctTopic(c, false)) throw new CaseActionError('conflict', `case ${c.number} was not accepted`, 'staffError.actionNotNow', { number: c.number, from: c.status });
        if (c.topic === to) throw new CaseActionError('invalid', 'the topic is unchanged', 'staffError.unchanged');
        await tx.case.update({ where: { id: c.id }, data: { topic: to } });
        await tx.topicCorrection.create({ data: { caseId: c.id, text: c.description, fromTopic: c.topic, toTopic: to, staffId: actor.id, at } });
        return [await recordEvent(tx, c, { type: 'topic_corrected', actor: by, at, data: { fromTopic: c.topic, toTopic: to } })];
      });
    },

    /** A corrected place (the words and the county), kept as a labelled example too. */
    async correctPlace(actor: StaffActor, caseId: string, place: { placeText?: string | null; regionCode?: string | null }) {
      const placeText = place.placeText?.trim() || null;
      const regionCode = place.regionCode?.trim() || null;
      if (regionCode && !(await db.region.findUnique({ where: { code: regionCode } }))) throw new CaseActionError('invalid', 'no such region', 'staffError.noSuchRegion');
      if (!placeText && !regionCode) throw new CaseActionError('invalid', 'a place or a region is required', 'staffError.placeRequired');
      return run(actor, caseId, 'correctPlace', async (tx, c, at, by) => {
        if (!WHEN.correctPlace(c, false)) throw new CaseActionError('conflict', `case ${c.number} was not accepted`, 'staffError.actionNotNow', { number: c.number, from: c.status });
        if (c.placeText === placeText && c.regionCode === regionCode) throw new CaseActionError('invalid', 'the place is unchanged', 'staffError.unchanged');
        await tx.case.update({ where: { id: c.id }, data: { placeText, regionCode } });
        const change = { fromPlace: c.placeText, toPlace: placeText, fromRegion: c.regionCode, toRegion: regionCode };
        await tx.placeCorrection.create({ data: { caseId: c.id, text: c.description, ...change, staffId: actor.id, at } });
        return [await recordEvent(tx, c, { type: 'place_corrected', actor: by, at, data: change })];
      });
    },

    async reopen(actor: StaffActor, caseId: string, reason: string) {
      const note = required(reason, 'a reason', 'staffError.reasonRequired');
      return run(actor, caseId, 'reopen', (tx, c, at, by) => reopen(tx, config, c, { actor: by, at, note }));
    },

    /** 挂牌督办: the supervision office follows the case itself. */
    async supervise(actor: StaffActor, caseId: string, note?: string) {
      return run(actor, caseId, 'supervise', async (tx, c, at, by) => [await supervise(tx, c, { actor: by, at, note })]);
    },
  };
}

export type CaseActions = ReturnType<typeof caseActions>;

/** The case's pending request, if any. */
export function pendingRequest(db: Db | Tx, caseId: string): Promise<CaseRequest | null> {
  return db.caseRequest.findFirst({ where: { caseId, status: 'pending' } });
}

/** Evidence uploaded for this case in the console (see `AttachmentStore`); another case's files are refused. */
async function evidenceOf(tx: Tx, c: Case, ids: string[]): Promise<Evidence[]> {
  const wanted = [...new Set(ids)];
  if (wanted.some((id) => !isUuid(id))) throw new CaseActionError('invalid', 'no such evidence', 'staffError.noSuchEvidence');
  const files = await tx.attachment.findMany({ where: { id: { in: wanted }, caseId: c.id }, select: { id: true, sha256: true, mimeType: true } });
  if (files.length !== wanted.length) throw new CaseActionError('invalid', 'no such evidence', 'staffError.noSuchEvidence');
  return wanted.map((id) => files.find((f) => f.id === id)!);
}

/** Resolves a case and the open cases linked to it (并单), each event carrying the answer and its evidence. */
async function resolveWithLinked(
  tx: Tx,
  c: Case,
  opts: { type: 'resolved' | 'review_approved'; actor: string; at: Date; note: string | null; evidence: Evidence[]; remark?: string },
): Promise<CaseEvent[]> {
  const { actor, at, note, evidence } = opts;
  const resolve = (target: Case, type: string, data: Prisma.InputJsonObject) =>
    transition(tx, target, { to: 'resolved', type, actor, at, note, data, set: { firstResponseAt: target.firstResponseAt ?? at } });
  const files = evidence.length ? { evidence } : {};
  const linked = await tx.case.findMany({ where: { duplicateOfId: c.id, status: { in: [...WORKING] } } });
  return [
    await resolve(c, opts.type, { ...files, ...(opts.remark ? { remark: opts.remark } : {}) }),
    ...(await Promise.all(linked.map((l) => resolve(l, 'resolved', { ...files, via: c.number })))),
  ];
}

/** A department's request, one pending per case (the partial unique index settles a race). */
async function openRequest(
  tx: Tx,
  c: Case,
  actor: StaffActor,
  request: { kind: CaseRequest['kind']; until?: Date; text: string; at: Date },
): Promise<CaseRequest> {
  if (!WORKING.includes(c.status)) throw new CaseActionError('conflict', `case ${c.number} is not being worked on`, 'staffError.actionNotNow', { number: c.number, from: c.status });
  if (await pendingRequest(tx, c.id)) throw new CaseActionError('conflict', `case ${c.number} already has a request waiting for a decision`, 'staffError.pendingRequest');
  const { kind, until, text, at } = request;
  return tx.caseRequest.create({ data: { caseId: c.id, kind, until, text, staffId: actor.id, departmentId: c.departmentId, createdAt: at } });
}

/** Decides the case's pending request, once: of two decisions at once, the second finds none. */
async function decide(tx: Tx, c: Case, actor: StaffActor, status: 'approved' | 'refused', at: Date, decision: string | null): Promise<CaseRequest> {
  const request = await pendingRequest(tx, c.id);
  if (!request) throw new CaseActionError('conflict', `case ${c.number} has no request waiting for a decision`, 'staffError.noPendingRequest');
  // A hand-back is about the department that asked; after a transfer it no longer applies.
  if (status === 'approved' && request.kind === 'handback' && request.departmentId !== c.departmentId) {
    throw new CaseActionError('conflict', `case ${c.number} has moved to another department since the request`, 'staffError.movedOn');
  }
  const decided = await tx.caseRequest.updateMany({ where: { id: request.id, status: 'pending' }, data: { status, decidedById: actor.id, decidedAt: at, decision } });
  if (decided.count === 0) throw new CaseActionError('conflict', `case ${c.number} has no request waiting for a decision`, 'staffError.noPendingRequest');
  return { ...request, status, decidedById: actor.id, decidedAt: at, decision };
}

/**
 * Reopens a case for its department with a new deadline. The cases merged into it (并单) are the
 * same problem, so they follow it from resolved or closed.
 */
export async function reopen(
  tx: Tx,
  config: Config,
  c: Case,
  opts: { actor: string; at: Date; note?: string | null; data?: Prisma.InputJsonObject },
): Promise<CaseEvent[]> {
  const deadline = await deadlineFor(tx, config, c.priority, opts.at);
  const reopened = await transition(tx, c, { ...opts, to: 'reopened', deadline });
  const linked = await tx.case.findMany({ where: { duplicateOfId: c.id, status: { in: ['resolved', 'closed'] } } });
  const followers = await Promise.all(
    linked.map((l) => transition(tx, l, { to: 'reopened', actor: opts.actor, at: opts.at, note: opts.note, deadline, data: { via: c.number } })),
  );
  return [reopened, ...followers];
}

/** Flags an open case as supervised, once; shared with the deadline job and dissatisfied residents. */
export async function supervise(tx: Tx, c: Case, opts: { actor: string; at: Date; note?: string | null }): Promise<CaseEvent> {
  if (![...OPEN_STATUSES, 'needs_info'].includes(c.status)) throw new CaseActionError('conflict', `case ${c.number} is not open`, 'staffError.notOpen', { number: c.number });
  const flagged = await tx.case.updateMany({ where: { id: c.id, supervisedAt: null }, data: { supervisedAt: opts.at } });
  if (flagged.count === 0) throw new CaseActionError('conflict', `case ${c.number} is already under supervision`, 'staffError.alreadySupervised', { number: c.number });
  return recordEvent(tx, c, { type: 'supervised', actor: opts.actor, at: opts.at, note: opts.note });
}
