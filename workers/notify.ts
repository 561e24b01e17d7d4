import { UnrecoverableError } from 'bullmq';
import { eventVars } from '../bot/cases/describe.js';
import { t, type TextKey } from '../bot/i18n/index.js';
import type { WorkerDeps } from './deps.js';
import type { JobData } from './queues.js';

// Which events the resident hears about, and in which words.
const MESSAGES: Partial<Record<string, TextKey>> = { assigned: 'notify.assigned', triage: 'notify.triage' };
export const NOTIFIED_EVENTS = Object.keys(MESSAGES);

/** The idempotency key of the message about an event; also the message log's external id prefix. */
export function deliveryKey(eventId: string): string {
  return `event-${eventId}`;
}

/** Tells the resident about a case event, in their language, through their channel's outbound queue. */
export async function processNotify(deps: WorkerDeps, { eventId }: JobData<'notify'>): Promise<void> {
  const event = await deps.db.caseEvent.findUnique({
    where: { id: eventId },
    include: { case: { include: { resident: true, submission: true } } },
  });
  if (!event) throw new UnrecoverableError(`case event ${eventId} does not exist`);
  const key = MESSAGES[event.type];
  if (!key) return;
  const { resident, submission } = event.case;
  const lang = resident.language;
  const text = t(lang, key, { ...eventVars(event, lang, deps.config.TIMEZONE), number: event.case.number });
  const delivery = deliveryKey(event.id);
  await deps.outbound[resident.channel].add(
    'deliver',
    { key: delivery, conversationId: submission.conversationId, recipient: resident.externalId, replies: [{ text }] },
    { jobId: delivery },
  );
}
