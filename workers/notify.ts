import { UnrecoverableError } from 'bullmq';
import { eventVars, type Describable } from '../core/cases/describe.js';
import type { Reply, ReplyFile } from '../core/messages.js';
import { t, type Lang, type TextKey } from '../core/i18n/index.js';
import type { CaseEvent, Department, Resident } from '../core/platform/db.js';
import type { BatchResults } from './batch.js';
import type { WorkerDeps } from './deps.js';
import { deliveryKey, queueMessages, type Message } from '../core/deliveries.js';
import { ALERTS, queueAlerts } from '../core/alerts/alerts.js';
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
  project_added: 'notify.projectAdded',
  // The resident learns the new deadline; the request itself and a refusal stay between staff.
  extension_approved: 'notify.extended',
};
export const NOTIFIED_EVENTS = Object.keys(MESSAGES);
/**
 * The resident's own acts (a rating, extra detail) are answered in the chat at once, not again;
 * the intake's own acceptance is told with the routing that follows it within seconds, in one
 * message, not two. Cases imported from the office's past messages (`system:import`) were answered
 * elsewhere long ago: nobody is told of them.
 */
export const SILENT_ACTORS = ['resident', 'system:satisfaction', 'system:import'];
/** Silent events as "actor:type". */
export const SILENT_EVENTS = ['system:intake:accepted'];

/** Events told with another one (a resident's second case in a project) carry `quiet` in their data. */
export function isNotified(event: Pick<CaseEvent, 'type' | 'actor'> & Partial<Pick<CaseEvent, 'data'>>): boolean {
  return (
    event.type in MESSAGES &&
    !SILENT_ACTORS.includes(event.actor) &&
    !SILENT_EVENTS.includes(`${event.actor}:${event.type}`) &&
    !(event.data as { quiet?: boolean } | null | undefined)?.quiet
  );
}

/** Whether the notify worker has anything to do for an event: tell the resident, or alert a department. */
export function needsNotify(event: Parameters<typeof isNotified>[0]): boolean {
  return isNotified(event) || ALERTS.has(event.type);
}

/** Buttons that let the resident answer the message: add information, or rate the result. */
function answerButtons(type: string, number: string, lang: Lang): Reply['buttons'] {
  if (type === 'needs_info' || type === 'info_requested') return [{ label: t(lang, 'case.addInfo'), payload: `info:${number}` }];
  if (type === 'resolved' || type === 'review_approved') {
    return (['satisfied', 'basic', 'unsatisfied'] as const).map((rating) => ({ label: t(lang, `sat.${rating}`), payload: `rate:${number}:${rating}` }));
  }
  return undefined;
}

/** What a message about a case event needs to know of its case and resident. */
export type NotifiedCase = {
  number: string;
  deadline: Date | null;
  department: Pick<Department, 'name' | 'nameEn'> | null;
  resident: Pick<Resident, 'channel' | 'externalId' | 'language'>;
  conversationId: string;
};

/**
 * The resident's message about a case event, in their language, keyed by the event so it is told
 * once however often it is recorded; null for events the resident does not hear of.
 */
export function eventMessage(event: Describable & Pick<CaseEvent, 'id' | 'type' | 'actor'>, c: NotifiedCase, timeZone: string): Message | null {
  const key = MESSAGES[event.type];
  if (!key || !isNotified(event)) return null;
  const { resident, number } = c;
  const lang = resident.language;
  const text = t(lang, key, { ...eventVars(event, lang, timeZone, c), number });
  const buttons = answerButtons(event.type, number, lang);
  // A resolution's evidence (photos, PDFs uploaded in the console) goes with its answer.
  const files = ((event.data ?? {}) as { evidence?: ReplyFile[] }).evidence;
  const reply: Reply = { text, ...(buttons ? { buttons } : {}), ...(files?.length ? { files } : {}) };
  return { to: { channel: resident.channel, externalId: resident.externalId, conversationId: c.conversationId }, key: deliveryKey.event(event.id), replies: [reply] };
}

/**
 * Tells residents about case events, in their language, through their channel's outbound queue,
 * and the departments concerned through the alerts queue (core/alerts/alerts.ts): a batch of
 * events read and recorded together. Each message's key is its event's, so an event is told once
 * however often its job runs. (The intake records the messages of the cases it creates itself.)
 */
export async function processNotifyBatch(deps: WorkerDeps, eventIds: string[]): Promise<BatchResults<void>> {
  const events = await deps.db.caseEvent.findMany({
    where: { id: { in: eventIds } },
    include: { case: { select: { number: true, deadline: true, department: true, resident: true, submission: { select: { conversationId: true } } } } },
  });
  const byId = new Map(events.map((e) => [e.id, e]));
  const messages = events.flatMap((event) => eventMessage(event, { ...event.case, conversationId: event.case.submission.conversationId }, deps.config.TIMEZONE) ?? []);
  await Promise.all([queueMessages(deps, messages), queueAlerts(deps.queues, events)]);
  return eventIds.map((id) => (byId.has(id) ? undefined : new UnrecoverableError(`case event ${id} does not exist`)));
}

/** Tells the resident and the departments about one case event (see processNotifyBatch). */
export async function processNotify(deps: WorkerDeps, { eventId }: JobData<'notify'>): Promise<void> {
  const [result] = await processNotifyBatch(deps, [eventId]);
  if (result instanceof Error) throw result;
}
