import type { Case, CaseStatus, Prisma, Tx } from '../platform/db.js';
import { isAlertDue } from '../alerts/alerts.js';

/**
 * The only legal moves of a case. A transfer to another department is assigned → assigned (or
 * in_progress → assigned); a reopened case goes back to a department. A department's resolution
 * goes to review (in_review) when REVIEW_BEFORE_CLOSE is on: the supervision office approves it
 * (resolved) or returns it (in_progress). An approved hand-back (退单) takes a case from its
 * department back to triage (accepted).
 */
export const TRANSITIONS: Readonly<Record<CaseStatus, readonly CaseStatus[]>> = {
  received: ['accepted', 'needs_info', 'rejected'],
  needs_info: ['accepted', 'rejected'],
  // The supervision office may ask the resident before it chooses a department.
  accepted: ['assigned', 'needs_info', 'rejected'],
  rejected: [],
  assigned: ['assigned', 'in_progress', 'in_review', 'resolved', 'accepted'],
  in_progress: ['assigned', 'in_review', 'resolved', 'accepted'],
  in_review: ['resolved', 'in_progress'],
  resolved: ['closed', 'reopened'],
  closed: ['reopened'],
  reopened: ['assigned', 'in_progress', 'in_review', 'resolved', 'accepted'],
};

/** Statuses in which a department is working the case (deadlines run, duplicates can join it). */
export const OPEN_STATUSES: readonly CaseStatus[] = ['accepted', 'assigned', 'in_progress', 'reopened'];

export class IllegalTransitionError extends Error {
  constructor(
    readonly from: CaseStatus,
    readonly to: CaseStatus,
    readonly caseNumber: string,
  ) {
    super(`case ${caseNumber} cannot go from ${from} to ${to}`);
  }
}

export function canTransition(from: CaseStatus, to: CaseStatus): boolean {
  return TRANSITIONS[from].includes(to);
}

/** Statuses where a department starts a new round of work, with a deadline of its own. */
type RoundStart = 'assigned' | 'reopened';

type ChangeBase = {
  /** The event's type; defaults to the new status (accepted, rejected, …). */
  type?: string;
  actor: string;
  note?: string | null;
  data?: Prisma.InputJsonObject;
  /** Other columns changed with the status (department, description, the resident's rating). */
  set?: Prisma.CaseUncheckedUpdateManyInput;
  at: Date;
};

export type Change = ChangeBase & ({ to: Exclude<CaseStatus, RoundStart> } | { to: RoundStart; deadline: Date | null });

/**
 * What entering a status means, applied by `transition` and repeated by no caller: the
 * timestamps the figures read, and what a new round of work clears (late flags of the old
 * deadline, the resident's verdict on the old result).
 */
const ON_ENTRY: { [S in CaseStatus]: (change: Extract<Change, { to: S }>) => Prisma.CaseUncheckedUpdateManyInput } = {
  received: () => ({}),
  needs_info: () => ({}),
  // Waiting for the supervision office to choose a department: no department's deadline runs.
  accepted: () => ({ deadline: null, overdueAt: null, remindedAt: null }),
  rejected: ({ at }) => ({ closedAt: at }),
  assigned: ({ deadline }) => ({ deadline, overdueAt: null, remindedAt: null }),
  in_progress: () => ({}),
  // The answer waits for approval; the deadline is not cleared, so a returned case is judged by it.
  in_review: () => ({}),
  resolved: ({ at }) => ({ resolvedAt: at }),
  closed: ({ at }) => ({ closedAt: at }),
  reopened: ({ deadline }) => ({ deadline, overdueAt: null, remindedAt: null, resolvedAt: null, closedAt: null, satisfaction: null }),
};

function entryEffects(change: Change): Prisma.CaseUncheckedUpdateManyInput {
  return (ON_ENTRY[change.to] as (c: Change) => Prisma.CaseUncheckedUpdateManyInput)(change);
}

/**
 * Moves a case to a new status and writes the event, inside the caller's transaction. The update
 * is conditional on the status the caller read, so two concurrent changes cannot both apply: the
 * loser gets an IllegalTransitionError from the status it actually finds.
 */
export async function transition(tx: Tx, current: Pick<Case, 'id' | 'number' | 'status'>, change: Change) {
  if (!canTransition(current.status, change.to)) throw new IllegalTransitionError(current.status, change.to, current.number);
  const updated = await tx.case.updateMany({
    where: { id: current.id, status: current.status },
    // updatedAt by the clock too: the deadline job measures waits from it.
    data: { ...entryEffects(change), ...change.set, status: change.to, updatedAt: change.at },
  });
  if (updated.count === 0) {
    const now = await tx.case.findUniqueOrThrow({ where: { id: current.id }, select: { status: true } });
    throw new IllegalTransitionError(now.status, change.to, current.number);
  }
  return recordEvent(tx, current, { ...change, type: change.type ?? change.to, fromStatus: current.status, toStatus: change.to });
}

/** An event that does not change the status (a note, a reply, a flag), in the caller's transaction. */
export function recordEvent(
  tx: Tx,
  current: Pick<Case, 'id' | 'number'>,
  event: { type: string; actor: string; note?: string | null; data?: Prisma.InputJsonObject; at: Date; fromStatus?: CaseStatus; toStatus?: CaseStatus },
) {
  const { type, actor, note, data, at, fromStatus, toStatus } = event;
  return tx.caseEvent.create({
    // Marked for the reconciler until its alert job recorded who is told (core/alerts/alerts.ts).
    data: { caseId: current.id, type, actor, fromStatus, toStatus, note: note ?? null, data: { number: current.number, ...data }, at, alertDue: isAlertDue({ type, data }) },
  });
}

/**
 * A change written together with the case it applies to (the intake writes a new case, its
 * screening and its routing in a few multi-row statements): the same rules and entry effects as
 * `transition`, without the database. Returns the status and columns to write, and the event.
 */
export function plannedChange(current: Pick<Case, 'number' | 'status'>, change: Change) {
  if (!canTransition(current.status, change.to)) throw new IllegalTransitionError(current.status, change.to, current.number);
  const { type, actor, note, data, at } = change;
  return {
    status: change.to,
    set: { ...entryEffects(change), ...change.set },
    event: { type: type ?? change.to, actor, note: note ?? null, data: { number: current.number, ...data }, at, fromStatus: current.status, toStatus: change.to },
  };
}
