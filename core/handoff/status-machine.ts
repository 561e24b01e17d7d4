import type { Db, Handoff, HandoffStatus, Prisma, Tx } from '../platform/db.js';
import { HandoffError } from './errors.js';

/**
 * The only legal moves of a conversation handed to staff: the status each needs and the one it
 * leaves. `transfer` keeps it held by another person; `offer` (to leave a report instead) keeps
 * it waiting and happens once.
 */
export const TRANSITIONS = {
  claim: { from: 'waiting', to: 'held' },
  leave: { from: 'waiting', to: 'released' },
  offer: { from: 'waiting', to: 'waiting', once: { offeredReportAt: null } },
  transfer: { from: 'held', to: 'held' },
  release: { from: 'held', to: 'released' },
} as const satisfies Record<string, { from: HandoffStatus; to: HandoffStatus; once?: Prisma.HandoffWhereInput }>;

export type HandoffMove = keyof typeof TRANSITIONS;

export type MoveInput = {
  claim: { staffId: string; at: Date };
  leave: { at: Date };
  offer: { at: Date };
  transfer: { staffId: string };
  release: { at: Date };
};

/** What each move writes besides the status, repeated by no caller. */
const EFFECTS: { [M in HandoffMove]: (input: MoveInput[M]) => Prisma.HandoffUncheckedUpdateManyInput } = {
  claim: ({ staffId, at }) => ({ staffId, claimedAt: at }),
  leave: ({ at }) => ({ releasedAt: at }),
  offer: ({ at }) => ({ offeredReportAt: at }),
  transfer: ({ staffId }) => ({ staffId }),
  release: ({ at }) => ({ releasedAt: at }),
};

/** A move the conversation's status does not allow (now, or any more after a concurrent change): 409 in the console. */
export class IllegalHandoffMove extends HandoffError {
  constructor(
    readonly move: HandoffMove,
    readonly status: HandoffStatus | 'gone',
  ) {
    super('conflict', `cannot ${move} a conversation that is ${status}`, 'staffError.handoffMoved');
  }
}

export function canMove(move: HandoffMove, status: HandoffStatus): boolean {
  return TRANSITIONS[move].from === status;
}

/**
 * Applies a move. The update is conditional on the status and holder the caller read, so of two
 * concurrent changes only one applies; the other gets an IllegalHandoffMove from what it finds.
 */
export async function moveHandoff<M extends HandoffMove>(db: Db | Tx, current: Pick<Handoff, 'id' | 'status' | 'staffId'>, move: M, input: MoveInput[M]): Promise<void> {
  const rule: { from: HandoffStatus; to: HandoffStatus; once?: Prisma.HandoffWhereInput } = TRANSITIONS[move];
  if (!canMove(move, current.status)) throw new IllegalHandoffMove(move, current.status);
  const moved = await db.handoff.updateMany({
    where: { id: current.id, status: current.status, staffId: current.staffId, ...rule.once },
    data: { ...EFFECTS[move](input), status: rule.to },
  });
  if (moved.count === 0) {
    const now = await db.handoff.findUnique({ where: { id: current.id }, select: { status: true } });
    throw new IllegalHandoffMove(move, now?.status ?? 'gone');
  }
}
