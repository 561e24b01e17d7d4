import { eventOfKey, messageOfEvidence } from '../deliveries.js';
import type { Channel, Db } from '../platform/db.js';
import type { Logger } from '../platform/log.js';
import type { Metrics } from '../platform/metrics.js';
import type { Queues } from '../queues.js';
import { queueNotifications } from './follow-up.js';
import { recordEvent } from './status-machine.js';

/**
 * Why a message to a resident is no longer sent: no channel accepted it within
 * DELIVERY_GIVE_UP_HOURS, or the channel answered that the resident refuses messages there
 * (blocked the bot, unfollowed the account), which no second try would change.
 */
export type GiveUpReason = 'late' | 'refused';

/**
 * The timeline event for what became of a message to a resident (given up, or reached after all),
 * and for its evidence sent apart (none when refused: the message's own event told staff already).
 */
const NOTE: Record<GiveUpReason | 'reached', { message: string; evidence?: string }> = {
  late: { message: 'resident_unreachable', evidence: 'resident_evidence_unseen' },
  refused: { message: 'resident_refused' },
  reached: { message: 'resident_reached', evidence: 'resident_evidence_seen' },
};

/**
 * Stops sending a message to a resident. Marked with a conditional update, so of two processes one
 * gives it up; a message about a case event gets, in the same transaction, an event that staff see
 * on the case's timeline (and the department is alerted of; the resident is not told). The evidence
 * of such a message, kept for a resident who was told of it by a template and never came to see it,
 * gets a note on the timeline when it is given up late (no alert: the resident was reached); given
 * up as refused, the message's own event has told staff already. A try already
 * under way, or the resident's return (a message kept on the Official Account), may still deliver
 * it: markDelivered does not look at gaveUpAt, and reachedAfterAll tells staff. True if this call gave it up.
 */
export async function giveUpDelivery(
  deps: { db: Db; queues: Pick<Queues, 'notify'>; metrics: Metrics; log: Logger },
  delivery: { key: string; channel: Channel; reason: GiveUpReason; actor: string },
  now: Date,
): Promise<boolean> {
  const { key, channel, reason, actor } = delivery;
  const note = timelineNote(key, reason);
  const outcome = await deps.db.$transaction(async (tx) => {
    const marked = await tx.delivery.updateMany({ where: { key, deliveredAt: null, gaveUpAt: null }, data: { gaveUpAt: now } });
    if (!marked.count) return undefined;
    const { attempts } = await tx.delivery.findUniqueOrThrow({ where: { key }, select: { attempts: true } });
    const about = note ? await tx.caseEvent.findUnique({ where: { id: note.eventId }, select: { case: { select: { id: true, number: true } } } }) : null;
    const event = note && about ? await recordEvent(tx, about.case, { type: note.type, actor, at: now, data: { channel, attempts } }) : null;
    return { attempts, event };
  });
  if (!outcome) return false;
  deps.metrics.deliveriesGivenUp.inc({ channel, reason });
  deps.log.warn({ key, channel, reason, attempts: outcome.attempts }, 'gave up sending a message to a resident');
  if (outcome.event) await queueNotifications(deps.queues, [outcome.event]);
  return true;
}

/** The case event a delivery is about and the event its outcome puts on that case's timeline; none for other messages. */
function timelineNote(key: string, outcome: GiveUpReason | 'reached'): { eventId: string; type: string } | undefined {
  const message = messageOfEvidence(key);
  const eventId = eventOfKey(message ?? key);
  const type = message === undefined ? NOTE[outcome].message : NOTE[outcome].evidence;
  return eventId && type ? { eventId, type } : undefined;
}

/**
 * A message given up reached the resident after all (markDelivered said so): for a case's message
 * the timeline says so and the department, told to phone, is told it need not. The evidence of
 * one, which a template announced, gets a line that the resident has now seen it (no alert).
 */
export async function reachedAfterAll(deps: { db: Db; queues: Pick<Queues, 'notify'>; log: Logger }, delivery: { key: string; channel: Channel; actor: string }, now: Date): Promise<void> {
  const { key, channel, actor } = delivery;
  const note = timelineNote(key, 'reached');
  const about = note ? await deps.db.caseEvent.findUnique({ where: { id: note.eventId }, select: { case: { select: { id: true, number: true } } } }) : null;
  deps.log.info({ key, channel }, 'a message given up reached the resident after all');
  if (!note || !about) return;
  const event = await deps.db.$transaction((tx) => recordEvent(tx, about.case, { type: note.type, actor, at: now, data: { channel } }));
  await queueNotifications(deps.queues, [event]);
}
