import { UnrecoverableError } from 'bullmq';
import { eventVars } from '../core/cases/describe.js';
import type { Reply, ReplyFile } from '../core/messages.js';
import { t, type Lang, type TextKey } from '../core/i18n/index.js';
import type { CaseEvent } from '../core/platform/db.js';
import type { WorkerDeps } from './deps.js';
import { deliveryKey, queueMessage } from '../core/deliveries.js';
import { queueAlert } from '../core/alerts/alerts.js';
import type { JobData } from '../core/queues.js';

// Which events the resident hears about, and in which words.
const MESSAGES: Partial<Record<string, TextKey>> = {
  accepted: 'notify.accepted',
  needs_info: 'notify.needsInfo',
  info_requested: 'notify.infoRequested',
  rejected: 'notify.rejected',
  assigned: 'notify.assigned',
  triage: 'notify.triage',
  transferred: 'notify.transferred',
  merged: 'notify.merged',
  reply: 'notify.reply',
  resolved: 'notify.resolved',
  // The department's answer reaches the resident only once the supervision office approved it.
  review_approved: 'notify.resolved',
  reopened: 'notify.reopened',
  supervised: 'notify.supervised',
  closed: 'notify.closed',
};
export const NOTIFIED_EVENTS = Object.keys(MESSAGES);
/**
 * The resident's own acts (a rating, extra detail) are answered in the chat at once, not again;
 * the intake's own acceptance is told with the routing that follows it within seconds, in one
 * message, not two.
 */
export const SILENT_ACTORS = ['resident', 'system:satisfaction'];
/** Silent events as "actor:type". */
export const SILENT_EVENTS = ['system:intake:accepted'];

export function isNotified(event: Pick<CaseEvent, 'type' | 'actor'>): boolean {
  return event.type in MESSAGES && !SILENT_ACTORS.includes(event.actor) && !SILENT_EVENTS.includes(`${event.actor}:${event.type}`);
}

/** Buttons that let the resident answer the message: add information, or rate the result. */
function answerButtons(type: string, number: string, lang: Lang): Reply['buttons'] {
  if (type === 'needs_info' || type === 'info_requested') return [{ label: t(lang, 'case.addInfo'), payload: `info:${number}` }];
  if (type === 'resolved' || type === 'review_approved') {
    return (['satisfied', 'basic', 'unsatisfied'] as const).map((rating) => ({ label: t(lang, `sat.${rating}`), payload: `rate:${number}:${rating}` }));
  }
  return undefined;
}

/**
 * Tells the resident about a case event, in their language, through their channel's outbound
 * queue, and the departments concerned through the alerts queue (core/alerts/alerts.ts).
 */
export async function processNotify(deps: WorkerDeps, { eventId }: JobData<'notify'>): Promise<void> {
  const event = await deps.db.caseEvent.findUnique({
    where: { id: eventId },
    include: { case: { include: { resident: true, submission: true, department: true } } },
  });
  if (!event) throw new UnrecoverableError(`case event ${eventId} does not exist`);
  await queueAlert(deps.queues, event);
  const key = MESSAGES[event.type];
  if (!key || !isNotified(event)) return;
  const { resident, submission, number } = event.case;
  const lang = resident.language;
  const text = t(lang, key, { ...eventVars(event, lang, deps.config.TIMEZONE, event.case), number });
  const buttons = answerButtons(event.type, number, lang);
  // A resolution's evidence (photos, PDFs uploaded in the console) goes with its answer.
  const files = ((event.data ?? {}) as { evidence?: ReplyFile[] }).evidence;
  const reply: Reply = { text, ...(buttons ? { buttons } : {}), ...(files?.length ? { files } : {}) };
  await queueMessage(deps, { ...resident, conversationId: submission.conversationId }, deliveryKey.event(event.id), [reply]);
}
