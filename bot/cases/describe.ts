import type { Lang } from '../i18n/index.js';
import { t } from '../i18n/index.js';
import type { CaseEvent, CaseStatus, Department } from '../platform/db.js';

/** Dates as residents read them, in the office's time zone. */
export function formatDate(date: Date, timeZone: string): string {
  return date.toLocaleDateString('sv-SE', { timeZone });
}

export function formatDateTime(date: Date, timeZone: string): string {
  return date.toLocaleString('sv-SE', { timeZone, hour12: false }).slice(0, 16);
}

export function departmentName(department: Pick<Department, 'name' | 'nameEn'>, lang: Lang): string {
  return lang === 'en' && department.nameEn ? department.nameEn : department.name;
}

export function statusText(status: CaseStatus, lang: Lang): string {
  return t(lang, `caseStatus.${status}`);
}

/** Facts an event carries so that it can be told in any language later. */
export type EventData = { number?: string; departmentName?: string; departmentNameEn?: string | null; deadline?: string | null };

/** The facts of an event as text placeholders in the resident's language and the office's time zone. */
export function eventVars(event: Pick<CaseEvent, 'data'>, lang: Lang, timeZone: string): Record<string, string> {
  const data = (event.data ?? {}) as EventData;
  return {
    number: data.number ?? '',
    department: lang === 'en' && data.departmentNameEn ? data.departmentNameEn : (data.departmentName ?? ''),
    deadline: data.deadline ? formatDate(new Date(data.deadline), timeZone) : t(lang, 'status.noDeadline'),
  };
}

/** One timeline line for the resident, e.g. "转交西宁市城东区人民政府办理，办理时限 2026-12-09". */
export function eventText(event: Pick<CaseEvent, 'type' | 'data'>, lang: Lang, timeZone: string): string {
  const vars = eventVars(event, lang, timeZone);
  switch (event.type) {
    case 'created':
      return t(lang, 'event.created', vars);
    case 'assigned':
      return t(lang, 'event.assigned', vars);
    case 'triage':
      return t(lang, 'event.triage', vars);
    default:
      return event.type;
  }
}
