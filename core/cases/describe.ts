import type { Lang, TextKey } from '../i18n/index.js';
import { t } from '../i18n/index.js';
import { localDate, localDateTime } from '../../nlp-models/index.js';
import type { CaseEvent, CaseStatus, Channel, Department } from '../platform/db.js';

/** Dates as residents read them, in the office's time zone. */
export function formatDate(date: Date, timeZone: string): string {
  return localDate(date, timeZone);
}

export function formatDateTime(date: Date, timeZone: string): string {
  return localDateTime(date, timeZone).slice(0, 16);
}

export function departmentName(department: Pick<Department, 'name' | 'nameEn'>, lang: Lang): string {
  return lang === 'en' && department.nameEn ? department.nameEn : department.name;
}

/** A status in words; residents are not told of the review before closing (审核), only of its outcome. */
export function statusText(status: CaseStatus, lang: Lang, audience: 'resident' | 'staff' = 'resident'): string {
  return t(lang, `caseStatus.${audience === 'resident' && status === 'in_review' ? 'in_progress' : status}`);
}

/** Facts an event carries so that it can be told in any language later. */
export type EventData = {
  number?: string;
  departmentName?: string;
  departmentNameEn?: string | null;
  deadline?: string | null;
  /** What a report lacks (screening, or a clerk's question). */
  missing?: string[];
  /** Why a report was not accepted: a screening reason, or 'staff' with the clerk's words in the note. */
  reason?: string;
  /** The case this one was merged into (并单). */
  primary?: string;
  /** An extension's requested deadline. */
  until?: string;
  /** The department whose hand-back was approved. */
  refusedDepartmentName?: string;
  refusedDepartmentNameEn?: string | null;
  /** A staff correction's before and after. */
  fromTopic?: string | null;
  toTopic?: string;
  fromPlace?: string | null;
  toPlace?: string | null;
  fromRegion?: string | null;
  toRegion?: string | null;
  /** A supervision project (专项督查): its code (ZX-0001) and id. */
  project?: string;
  projectId?: string;
  /** The resident's cases a project_added message names (all of theirs the project took in at once). */
  cases?: string[];
  /** Told to the resident with another event (their other case in the same project): no message of its own. */
  quiet?: boolean;
  /** A message the resident's channel never accepted: the channel, and how often it was sent again. */
  channel?: Channel;
  attempts?: number;
};

export type Describable = Pick<CaseEvent, 'data' | 'note'>;

/**
 * The facts of an event as text placeholders in the resident's language and the office's time
 * zone. `department` names the case's current department for events that do not carry one.
 */
export function eventVars(
  event: Describable,
  lang: Lang,
  timeZone: string,
  current?: { department?: Pick<Department, 'name' | 'nameEn'> | null; deadline?: Date | null },
): Record<string, string> {
  const data = (event.data ?? {}) as EventData;
  const department = data.departmentName
    ? lang === 'en' && data.departmentNameEn ? data.departmentNameEn : data.departmentName
    : current?.department ? departmentName(current.department, lang) : '';
  const deadline = data.deadline ?? current?.deadline?.toISOString();
  const reason = data.reason === 'staff' || !data.reason ? (event.note ?? '') : t(lang, `reject.${data.reason}` as TextKey);
  return {
    number: data.number ?? '',
    department,
    deadline: deadline ? formatDate(new Date(deadline), timeZone) : t(lang, 'status.noDeadline'),
    missing: (data.missing ?? []).map((m) => t(lang, `missing.${m}` as TextKey)).join(lang === 'en' ? '; ' : '；'),
    reason,
    note: event.note ?? '',
    primary: data.primary ?? '',
    until: data.until ? formatDate(new Date(data.until), timeZone) : '',
    refused: (lang === 'en' && data.refusedDepartmentNameEn) || data.refusedDepartmentName || '',
    fromTopic: data.fromTopic ?? '—',
    toTopic: data.toTopic ?? '—',
    fromPlace: [data.fromRegion, data.fromPlace].filter(Boolean).join(' ') || '—',
    toPlace: [data.toRegion, data.toPlace].filter(Boolean).join(' ') || '—',
    project: data.project ?? '',
    cases: (data.cases ?? [data.number ?? '']).join(lang === 'en' ? ', ' : '、'),
    channel: data.channel ? t(lang, `desk.channel.${data.channel}`).trim() : '',
    attempts: String(data.attempts ?? 0),
  };
}

/** The timeline lines a resident sees; internal notes, reminders and the like are left out. */
const TIMELINE: Record<string, TextKey> = {
  created: 'event.created',
  accepted: 'event.accepted',
  needs_info: 'event.needs_info',
  info_requested: 'event.info_requested',
  info_added: 'event.info_added',
  rejected: 'event.rejected',
  triage: 'event.triage',
  assigned: 'event.assigned',
  transferred: 'event.transferred',
  merged: 'event.merged',
  reply: 'event.reply',
  resolved: 'event.resolved',
  review_approved: 'event.review_approved',
  reopened: 'event.reopened',
  closed: 'event.closed',
  supervised: 'event.supervised',
  overdue: 'event.overdue',
  project_added: 'event.project_added',
};

export function isOnResidentTimeline(event: Pick<CaseEvent, 'type'>): boolean {
  return event.type in TIMELINE;
}

/** Events only staff see on the timeline. */
const INTERNAL: Record<string, TextKey> = {
  note: 'event.note',
  deadline_reminder: 'event.deadline_reminder',
  conversation_linked: 'event.conversation_linked',
  review_submitted: 'event.review_submitted',
  review_returned: 'event.review_returned',
  extension_requested: 'event.extension_requested',
  extension_approved: 'event.extension_approved',
  extension_refused: 'event.extension_refused',
  handback_requested: 'event.handback_requested',
  handback_approved: 'event.handback_approved',
  handback_refused: 'event.handback_refused',
  topic_corrected: 'event.topic_corrected',
  place_corrected: 'event.place_corrected',
  project_removed: 'event.project_removed',
  project_closed: 'event.project_closed',
  review_reminder: 'event.review_reminder',
  resident_unreachable: 'event.resident_unreachable',
  resident_refused: 'event.resident_refused',
  resident_reached: 'event.resident_reached',
  resident_evidence_unseen: 'event.resident_evidence_unseen',
  resident_evidence_seen: 'event.resident_evidence_seen',
};

/** One timeline line for the resident, e.g. "转交西宁市城东区人民政府办理，办理时限 2026-12-09". */
export function eventText(event: Pick<CaseEvent, 'type'> & Describable, lang: Lang, timeZone: string): string {
  const key = TIMELINE[event.type];
  return key ? t(lang, key, eventVars(event, lang, timeZone)) : event.type;
}

/** The same for staff, internal events included. */
export function staffEventText(event: Pick<CaseEvent, 'type'> & Describable, lang: Lang, timeZone: string): string {
  const key = INTERNAL[event.type];
  return key ? t(lang, key, eventVars(event, lang, timeZone)) : eventText(event, lang, timeZone);
}
