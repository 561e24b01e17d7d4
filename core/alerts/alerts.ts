import { z } from 'zod';
import type { TextKey } from '../i18n/index.js';
import { encryptedOrLoopback } from '../platform/config.js';
import type { AlertContact, CaseEvent } from '../platform/db.js';
import type { Queryable } from '../platform/sql.js';
import type { Queues } from '../queues.js';

/**
 * Which case events a department is alerted of, and in which words: one line per event type.
 * `office: true` alerts the supervision office too (an overdue case is escalated to it);
 * `officeOnly: true` alerts only the supervision office (an answer waiting for its review).
 * The review and request events come with the review workflow; they fire once it writes them.
 */
export const ALERTS: ReadonlyMap<string, { text: TextKey; office?: true; officeOnly?: true }> = new Map([
  ['assigned', { text: 'alert.assigned' }],
  ['transferred', { text: 'alert.assigned' }],
  ['deadline_reminder', { text: 'alert.reminder' }],
  ['overdue', { text: 'alert.overdue', office: true }],
  ['supervised', { text: 'alert.supervised' }],
  ['review_returned', { text: 'alert.returned' }],
  ['extension_approved', { text: 'alert.extensionApproved' }],
  ['extension_refused', { text: 'alert.extensionRefused' }],
  ['handback_approved', { text: 'alert.handbackApproved' }],
  ['handback_refused', { text: 'alert.handbackRefused' }],
  ['review_reminder', { text: 'alert.reviewWaiting', officeOnly: true }],
  ['resident_unreachable', { text: 'alert.residentUnreachable' }],
  ['resident_refused', { text: 'alert.residentRefused' }],
  ['resident_reached', { text: 'alert.residentReached' }],
]);

/** The delivery key of an event's alert and of a department's daily digest (AlertDelivery.key). */
export const alertKey = {
  event: (eventId: string) => `event-${eventId}`,
  digest: (departmentCode: string, day: string) => `digest-${departmentCode}-${day}`,
  project: (projectId: string) => `project-${projectId}`,
};

/** The alert job of an event: one per event, so a repeat (or the reconciler) queues nothing new. */
export const alertJobId = (eventId: string) => `alert-${eventId}`;

/**
 * A supervision project (专项督查) told to the department that leads it: one alert for the project,
 * not one per case (ALERTS is per case event; a project of 50 cases would flood the robot).
 */
export async function queueProjectAlert(queues: Pick<Queues, 'alerts'>, projectId: string): Promise<void> {
  await queues.alerts.add('alert', { projectId }, { jobId: `alert-project-${projectId}` });
}

/**
 * Whether an event calls for an alert job: it has an ALERTS rule, and, with `reachable` (the
 * departments that have a contact), it does not merely name a department that has no contact
 * (an assignment that concerns no one else): that job would send nothing. The event's
 * `alertDue` mark is decided by it too, so the reconciler puts back only jobs that were queued.
 */
export function isAlertDue(event: Pick<CaseEvent, 'type'> & { data: unknown }, reachable?: ReadonlySet<string>): boolean {
  const rule = ALERTS.get(event.type);
  const named = (event.data as { departmentId?: unknown } | null)?.departmentId;
  return !!rule && (!reachable || !!rule.office || !!rule.officeOnly || typeof named !== 'string' || reachable.has(named));
}

/**
 * After the events were committed and their resident messages recorded: one alert job per
 * alerted event (isAlertDue), its id the event's, so a repeat queues nothing new; all in one
 * round trip.
 */
export async function queueAlerts(queues: Pick<Queues, 'alerts'>, events: (Pick<CaseEvent, 'id' | 'type'> & { data: unknown })[], reachable?: ReadonlySet<string>): Promise<void> {
  const alerted = events.filter((e) => isAlertDue(e, reachable));
  if (alerted.length) await queues.alerts.addBulk(alerted.map((e) => ({ name: 'alert', data: { eventId: e.id }, opts: { jobId: alertJobId(e.id) } })));
}

/** The departments that have an alert contact (queueAlerts). */
export async function departmentsWithContacts(sql: Queryable): Promise<Set<string>> {
  const { rows } = await sql.query<{ departmentId: string }>(`SELECT DISTINCT "departmentId" FROM "AlertContact"`);
  return new Set(rows.map((r) => r.departmentId));
}

const robotUrl = (allowLocalHttp: boolean) =>
  z
    .string()
    .trim()
    .max(2000)
    .url()
    .refine((url) => url.startsWith('https://') || (allowLocalHttp && encryptedOrLoopback(url)), 'the webhook must be an https:// URL');

/** The body of PUT /console/api/admin/departments/:code. A contact's id keeps its stored secret when none is sent. */
export function contactsSchema(allowLocalHttp: boolean) {
  const id = z.string().uuid().optional();
  const contact = z.discriminatedUnion('kind', [
    z.object({ id, kind: z.literal('wecom'), url: robotUrl(allowLocalHttp) }),
    z.object({ id, kind: z.literal('dingtalk'), url: robotUrl(allowLocalHttp), secret: z.string().trim().max(200).optional() }),
    z.object({ id, kind: z.literal('email'), to: z.array(z.string().trim().email()).min(1).max(20) }),
  ]);
  return z.object({ alerts: z.array(contact).max(10), digest: z.boolean().optional() });
}
export type ContactsInput = z.infer<ReturnType<typeof contactsSchema>>;

/** A secret is shown by its first and last characters only. */
export function maskSecret(secret: string): string {
  return secret.length <= 8 ? '••••' : `${secret.slice(0, 3)}••••${secret.slice(-4)}`;
}

/** A webhook's key or access token (its query values) is a secret too: masked the same way. */
export function maskUrl(url: string): string {
  const parsed = new URL(url);
  for (const [name, value] of [...parsed.searchParams]) parsed.searchParams.set(name, maskSecret(value));
  return decodeURIComponent(parsed.toString());
}

/** A contact as the console shows it: its secrets masked (a PUT that sends them back unchanged keeps them). */
export function contactView(c: AlertContact) {
  if (c.kind === 'email') return { id: c.id, kind: c.kind, to: c.to };
  const url = c.url ? maskUrl(c.url) : null;
  if (c.kind === 'wecom') return { id: c.id, kind: c.kind, url };
  return { id: c.id, kind: c.kind, url, secret: c.secret ? maskSecret(c.secret) : null };
}
