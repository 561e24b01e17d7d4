import { z } from 'zod';
import type { StaffErrorKey, Vars } from '../i18n/index.js';
import type { Config } from '../platform/config.js';
import type { Case, CaseEvent, CaseStatus, Db, Prisma, Staff, StaffRole, Tx } from '../platform/db.js';
import type { Queues } from '../queues.js';
import { assign } from './assignment.js';
import { deadlineFor } from './deadlines.js';
import { queueNotifications, queueRoute } from './follow-up.js';
import { IllegalTransitionError, OPEN_STATUSES, recordEvent, transition } from './status-machine.js';

/** Who acts: enough of a staff account to check what they may do. */
export type StaffActor = Pick<Staff, 'id' | 'role' | 'departmentId'>;

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

/** Which roles may take each action; handlers only ever on their own department's cases. */
export const PERMISSIONS = {
  accept: OFFICE,
  reject: OFFICE,
  requestInfo: ALL,
  assign: ALL,
  reply: ALL,
  note: ALL,
  resolve: ALL,
  reopen: OFFICE,
  supervise: OFFICE,
} satisfies Record<string, StaffRole[]>;
export type CaseAction = keyof typeof PERMISSIONS;

/** Statuses in which a department can answer the resident or ask them something. */
const WORKING: CaseStatus[] = ['assigned', 'in_progress', 'reopened'];

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
    const found = z.string().uuid().safeParse(caseId).success ? await db.case.findUnique({ where: { id: caseId } }) : null;
    // Another department's case does not exist for a handler: its number is not revealed either.
    if (!found || (actor.role === 'handler' && found.departmentId !== actor.departmentId)) {
      throw new CaseActionError('not_found', 'no such case', 'staffError.caseNotFound');
    }
    return found;
  }

  async function run(actor: StaffActor, caseId: string, action: CaseAction, work: Work): Promise<CaseEvent[]> {
    const current = await load(actor, caseId, action);
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
      const department = z.string().uuid().safeParse(departmentId).success
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

    /** The result for the resident; cases linked to this one (并单) are resolved with it. */
    async resolve(actor: StaffActor, caseId: string, result: string) {
      const note = required(result, 'the result', 'staffError.resultRequired');
      return run(actor, caseId, 'resolve', async (tx, c, at, by) => {
        const resolve = (target: Case, data?: { via: string }) =>
          transition(tx, target, { to: 'resolved', actor: by, at, note, data, set: { firstResponseAt: target.firstResponseAt ?? at } });
        const linked = await tx.case.findMany({ where: { duplicateOfId: c.id, status: { in: [...WORKING] } } });
        return [await resolve(c), ...(await Promise.all(linked.map((l) => resolve(l, { via: c.number }))))];
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
