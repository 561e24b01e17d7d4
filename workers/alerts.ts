import { createHmac } from 'node:crypto';
import { UnrecoverableError } from 'bullmq';
import { ALERTS, alertKey, departmentsWithContacts, isAlertDue } from '../core/alerts/alerts.js';
import { localDateTime } from '../nlp-models/index.js';
import { departmentName, eventVars, formatDateTime } from '../core/cases/describe.js';
import { t } from '../core/i18n/index.js';
import type { AlertContact, Department } from '../core/platform/db.js';
import type { JobData } from '../core/queues.js';
import { projectCode } from '../core/projects/projects.js';
import { localDate, localDayRange } from '../core/routing/working-days.js';
import type { BatchResults } from './batch.js';
import type { WorkerDeps } from './deps.js';

/** What a contact is sent: a title (DingTalk's and e-mail's subject) and lines of plain text. */
type Alert = { title: string; lines: string[] };

const TIMEOUT_MS = 10_000;

/**
 * The `alerts` queue: a case event told to the departments concerned, on each of their contacts
 * (WeCom and DingTalk robots, e-mail); a job without an event sends the daily digests that are due.
 * Each (alert, contact) has an AlertDelivery row, marked once the contact's server accepted it: a
 * retried job (BullMQ's backoff) sends only to the contacts that failed, so nobody gets it twice.
 */
export async function processAlerts(deps: WorkerDeps, { eventId, projectId }: JobData<'alerts'>): Promise<number> {
  if (projectId) return alertProject(deps, projectId);
  return eventId ? alertEvent(deps, eventId) : sendDigests(deps);
}

/** A supervision project told to the department that leads it, once, whatever its number of cases. */
async function alertProject(deps: WorkerDeps, projectId: string): Promise<number> {
  const project = await deps.db.supervisionProject.findUnique({ where: { id: projectId }, include: { department: { include: { alertContacts: true } }, _count: { select: { cases: true } } } });
  if (!project) throw new UnrecoverableError(`supervision project ${projectId} does not exist`);
  const vars = { project: projectCode(project.number), title: project.title, count: project._count.cases, deadline: project.deadline.toISOString().slice(0, 10), note: project.reason };
  return deliverAll(deps, alertKey.project(project.id), [project.department], { title: t(deps.config.ALERT_LANGUAGE, 'alert.projectOpened', vars), lines: [t(deps.config.ALERT_LANGUAGE, 'alert.note', vars)] });
}

/**
 * Event alerts a batch at a time: most name the one department they concern (an assignment), and
 * most departments have no contact, so one look at the batch's events and at which departments
 * have contacts settles those without a query each; the rest are alerted one by one (alertEvent).
 * Returns how many contacts each event was sent to.
 */
export async function processAlertBatch(deps: WorkerDeps, eventIds: string[]): Promise<BatchResults<number>> {
  const { rows } = await deps.sql.query<{ id: string; type: string; named: string | null }>(
    `SELECT e."id", e."type", e."data"->>'departmentId' AS "named" FROM "CaseEvent" e WHERE e."id" = ANY($1::uuid[])`,
    [eventIds],
  );
  const found = new Map(rows.map((r) => [r.id, r]));
  const hasContacts = await departmentsWithContacts(deps.sql);
  const results: BatchResults<number> = [];
  const rest: number[] = [];
  const nobody: string[] = [];
  eventIds.forEach((id, i) => {
    const event = found.get(id);
    const rule = event && ALERTS.get(event.type);
    if (!event) results[i] = new UnrecoverableError(`case event ${id} does not exist`);
    else if (!rule) results[i] = 0;
    // The department it names holds the case (holderAt) and has no one to tell.
    else if (!isAlertDue({ type: event.type, data: { departmentId: event.named } }, hasContacts)) {
      results[i] = 0;
      nobody.push(id);
    } else rest.push(i);
  });
  await recorded(deps, nobody);
  // As many sent at once as the queue ran jobs at once before batching.
  for (let from = 0; from < rest.length; from += deps.config.WORKER_CONCURRENCY) {
    await Promise.all(rest.slice(from, from + deps.config.WORKER_CONCURRENCY).map(async (i) => (results[i] = await alertEvent(deps, eventIds[i]!).catch((err: Error) => err))));
  }
  return results;
}

async function alertEvent(deps: WorkerDeps, eventId: string): Promise<number> {
  const { db, config } = deps;
  const event = await db.caseEvent.findUnique({ where: { id: eventId }, include: { case: { include: { region: true } } } });
  if (!event) throw new UnrecoverableError(`case event ${eventId} does not exist`);
  const rule = ALERTS.get(event.type);
  if (!rule) return 0;
  const departmentIds = new Set<string>();
  const holder = rule.officeOnly ? null : await holderAt(deps, event);
  if (holder) departmentIds.add(holder);
  if (rule.office || rule.officeOnly) {
    const office = await db.department.findFirst({ where: { kind: 'supervision_office' }, orderBy: { code: 'asc' } });
    if (office) departmentIds.add(office.id);
  }
  const departments = await db.department.findMany({ where: { id: { in: [...departmentIds] } }, include: { alertContacts: true } });
  const c = event.case;
  const lang = config.ALERT_LANGUAGE;
  const vars = {
    ...eventVars(event, lang, config.TIMEZONE, { deadline: c.deadline }),
    topic: await topicName(deps, c.topic, lang),
    region: (c.region && (lang === 'en' && c.region.nameEn ? c.region.nameEn : c.region.name)) ?? '—',
    at: formatDateTime(event.at, config.TIMEZONE),
  };
  const title = t(lang, rule.text, vars);
  const lines = [t(lang, 'alert.details', vars), ...(event.note ? [t(lang, 'alert.note', vars)] : [])];
  return deliverAll(deps, alertKey.event(event.id), departments, { title, lines }, () => recorded(deps, [event.id]));
}

/**
 * The events' alerts have their AlertDelivery rows, or no one to tell: their mark (alertDue) is
 * cleared, so the reconciler does not queue them again. Rows still pending are its other concern.
 */
async function recorded(deps: WorkerDeps, eventIds: string[]): Promise<void> {
  if (eventIds.length) await deps.db.caseEvent.updateMany({ where: { id: { in: eventIds }, alertDue: true }, data: { alertDue: false } });
}

/** A case's topic in the alerts' language: its first level's English name in English, where there is one. */
async function topicName(deps: WorkerDeps, topic: string | null, lang: 'zh' | 'en'): Promise<string> {
  if (!topic) return '—';
  if (lang !== 'en') return topic;
  const first = await deps.db.topic.findFirst({ where: { parentId: null, name: topic.split('/')[0] }, select: { nameEn: true } });
  return first?.nameEn ?? topic;
}

/**
 * The department that held the case when the event happened: the one an assignment names, else
 * the one of the latest assignment before it (a hand-back decided after the case went back to
 * triage still concerns the department that asked), else the case's own.
 */
async function holderAt(deps: WorkerDeps, event: { id: string; caseId: string; at: Date; data: unknown; case: { departmentId: string | null } }): Promise<string | null> {
  const named = (data: unknown) => {
    const id = (data as { departmentId?: unknown } | null)?.departmentId;
    return typeof id === 'string' ? id : null;
  };
  const own = named(event.data);
  if (own) return own;
  const previous = await deps.db.caseEvent.findFirst({
    where: { caseId: event.caseId, type: { in: ['assigned', 'transferred'] }, at: { lte: event.at }, id: { not: event.id } },
    orderBy: { at: 'desc' },
  });
  return named(previous?.data) ?? event.case.departmentId;
}

/**
 * Sends one alert to every contact of the departments; throws (so the job is retried) when any
 * failed. `onRecorded` runs once its AlertDelivery rows are written (or there is no contact).
 */
async function deliverAll(deps: WorkerDeps, key: string, departments: (Department & { alertContacts: AlertContact[] })[], alert: Alert, onRecorded?: () => Promise<void>): Promise<number> {
  const { db } = deps;
  const contacts = departments.flatMap((d) => d.alertContacts);
  if (contacts.length) await db.alertDelivery.createMany({ data: contacts.map((c) => ({ key, contactId: c.id, createdAt: deps.now() })), skipDuplicates: true });
  await onRecorded?.();
  if (!contacts.length) return 0;
  const pending = new Set((await db.alertDelivery.findMany({ where: { key, deliveredAt: null }, select: { contactId: true } })).map((d) => d.contactId));
  const failures: string[] = [];
  let sent = 0;
  for (const contact of contacts.filter((c) => pending.has(c.id))) {
    try {
      await send(deps, contact, alert);
      await db.alertDelivery.update({ where: { key_contactId: { key, contactId: contact.id } }, data: { deliveredAt: deps.now(), attempts: { increment: 1 }, lastError: null } });
      sent++;
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      failures.push(`${contact.kind}: ${message}`);
      await db.alertDelivery.update({ where: { key_contactId: { key, contactId: contact.id } }, data: { attempts: { increment: 1 }, lastError: message.slice(0, 500) } });
    }
  }
  if (failures.length) throw new Error(`alert ${key} not delivered to ${failures.length} contact(s): ${failures.join('; ')}`);
  return sent;
}

async function send(deps: WorkerDeps, contact: AlertContact, alert: Alert): Promise<void> {
  const text = [alert.title, ...alert.lines].join('\n');
  if (contact.kind === 'email') {
    const { SMTP_HOST, SMTP_PORT, SMTP_SECURE, SMTP_USER, SMTP_PASSWORD, SMTP_FROM } = deps.config;
    if (!SMTP_HOST) throw new Error('SMTP_HOST is not set');
    // Loaded on the first e-mail: some 15 MB that an office without e-mail alerts never needs.
    const { default: nodemailer } = await import('nodemailer');
    const transport = nodemailer.createTransport({
      host: SMTP_HOST,
      port: SMTP_PORT,
      secure: SMTP_SECURE,
      auth: SMTP_USER ? { user: SMTP_USER, pass: SMTP_PASSWORD } : undefined,
      connectionTimeout: TIMEOUT_MS,
    });
    try {
      await transport.sendMail({ from: SMTP_FROM, to: contact.to, subject: alert.title, text });
    } finally {
      transport.close();
    }
    return;
  }
  const url = new URL(contact.url ?? '');
  let body: unknown;
  if (contact.kind === 'wecom') {
    // WeCom group robot: markdown message, content at most 4096 bytes.
    body = { msgtype: 'markdown', markdown: { content: [`**${alert.title}**`, ...alert.lines.map((l) => `> ${l}`)].join('\n') } };
  } else {
    // DingTalk robot with 加签: timestamp (ms) and sign = base64(HMAC-SHA256(secret, "timestamp\nsecret")) as query parameters.
    const timestamp = String(deps.now().getTime());
    const secret = contact.secret ?? '';
    url.searchParams.set('timestamp', timestamp);
    url.searchParams.set('sign', createHmac('sha256', secret).update(`${timestamp}\n${secret}`).digest('base64'));
    body = { msgtype: 'markdown', markdown: { title: alert.title, text: [`#### ${alert.title}`, ...alert.lines.map((l) => `> ${l}`)].join('\n\n') } };
  }
  const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body), signal: AbortSignal.timeout(TIMEOUT_MS) });
  // Both robots answer 200 with {"errcode":0,"errmsg":"ok"}; anything else is a failure to retry.
  const answer = (await res.json().catch(() => null)) as { errcode?: number; errmsg?: string } | null;
  if (!res.ok || answer?.errcode !== 0) throw new Error(`HTTP ${res.status} errcode ${answer?.errcode ?? '?'} ${answer?.errmsg ?? ''}`.trim());
}

/**
 * The previous day's digest for each department that asked for one, once the digest hour has come
 * (the job runs every hour; a department gets each day's digest once).
 */
async function sendDigests(deps: WorkerDeps): Promise<number> {
  const { db, config } = deps;
  const now = deps.now();
  const hour = Number(localDateTime(now, config.TIMEZONE).slice(11, 13));
  if (hour < config.ALERT_DIGEST_HOUR) return 0;
  const today = localDate(now, config.TIMEZONE);
  const yesterday = localDate(new Date(localDayRange(today, today, config.TIMEZONE).from.getTime() - 3_600_000), config.TIMEZONE);
  const { from, to } = localDayRange(yesterday, yesterday, config.TIMEZONE);
  const departments = await db.department.findMany({ where: { alertDigest: true, alertContacts: { some: {} } }, include: { alertContacts: true } });
  const lang = config.ALERT_LANGUAGE;
  let sent = 0;
  for (const d of departments) {
    const count = (types: string[]) => db.caseEvent.count({ where: { type: { in: types }, at: { gte: from, lt: to }, case: { departmentId: d.id } } });
    const vars = {
      day: yesterday,
      department: departmentName(d, lang),
      assigned: await count(['assigned', 'transferred']),
      reminders: await count(['deadline_reminder']),
      overdue: await count(['overdue']),
      supervised: await count(['supervised']),
      open: await db.case.count({ where: { departmentId: d.id, status: { in: ['assigned', 'in_progress', 'reopened'] } } }),
      late: await db.case.count({ where: { departmentId: d.id, status: { in: ['assigned', 'in_progress', 'reopened'] }, overdueAt: { not: null } } }),
    };
    sent += await deliverAll(deps, alertKey.digest(d.code, yesterday), [d], { title: t(lang, 'alert.digest', vars), lines: [t(lang, 'alert.digestBody', vars)] });
  }
  return sent;
}
