import { z } from 'zod';
import type { StaffErrorKey, Vars } from '../i18n/index.js';
import type { Case, Db, ReplyTemplate } from '../platform/db.js';
import { availableActions, pendingRequest, type CaseAction, type StaffActor } from './actions.js';
import { caseNumberDay, formatSerial } from './case-number.js';

export const TEMPLATE_KINDS = ['acceptance', 'info_request', 'answer'] as const;
type TemplateKindName = (typeof TEMPLATE_KINDS)[number];

/** The actions whose text each kind of template fills in (the console's forms, the chat commands). */
const TEMPLATE_ACTIONS = {
  acceptance: ['accept'],
  info_request: ['requestInfo'],
  answer: ['reply', 'resolve'],
} as const satisfies Record<TemplateKindName, readonly CaseAction[]>;
type TemplateAction = (typeof TEMPLATE_ACTIONS)[TemplateKindName][number];

const PLACEHOLDERS = ['caseNumber', 'place', 'department'] as const;
type Placeholder = (typeof PLACEHOLDERS)[number];
type PlaceholderValues = Record<Placeholder, string>;
// Anything in braces is meant as a placeholder ("{地点}" too), so a misspelt one is refused, not sent.
const PLACEHOLDER = /\{([^{}\s]{1,40})\}/g;
const KNOWN = new Set<string>(PLACEHOLDERS);

/** One template as an administrator writes it. */
export const templateSchema = z.object({
  topic: z.string().trim().min(1).max(50).nullable().default(null),
  kind: z.enum(TEMPLATE_KINDS),
  title: z.string().trim().min(1).max(50),
  body: z.string().trim().min(1).max(2000),
});
export type TemplateInput = z.infer<typeof templateSchema>;

/** The body of PUT /console/api/admin/templates: the whole list, replaced. */
export const templatesSchema = z.object({ templates: z.array(templateSchema).max(500) });

/** A template refused for what it says: the console's refusal (an error, its text key and values). */
export type TemplateProblem = { error: string; key: StaffErrorKey; params: Vars };

/** The refusal of a body that names a placeholder that does not exist, or null. */
export function placeholderProblem(body: string): TemplateProblem | null {
  const unknown = [...body.matchAll(PLACEHOLDER)].find((m) => !KNOWN.has(m[1]!));
  if (!unknown) return null;
  return { error: `unknown placeholder ${unknown[0]}`, key: 'staffError.templatePlaceholder', params: { placeholder: unknown[0], allowed: PLACEHOLDERS.map((p) => `{${p}}`).join(' ') } };
}

/** Why templates cannot be saved (a placeholder that does not exist, a topic not in the catalogue), or null. */
export async function templateProblem(db: Db, templates: TemplateInput[]): Promise<TemplateProblem | null> {
  for (const t of templates) {
    const problem = placeholderProblem(t.body);
    if (problem) return problem;
  }
  const topics = [...new Set(templates.flatMap((t) => (t.topic === null ? [] : [t.topic])))];
  if (!topics.length) return null;
  const known = new Set((await db.topic.findMany({ where: { parentId: null, name: { in: topics } }, select: { name: true } })).map((t) => t.name));
  const missing = topics.find((t) => !known.has(t));
  return missing ? { error: `no first-level topic ${missing}`, key: 'staffError.noSuchTopic', params: {} } : null;
}

/** Fills {caseNumber}, {place} and {department} (saved templates have no other placeholders). */
function fillTemplate(body: string, vars: PlaceholderValues): string {
  const values = new Map(Object.entries(vars));
  return body.replace(PLACEHOLDER, (whole, name: string) => values.get(name) ?? whole);
}

/** The department a member of staff's reply is signed by: their own, or the supervision office. */
async function signingDepartment(db: Db, staff: Pick<StaffActor, 'departmentId'>): Promise<string> {
  const department = await db.department.findFirst({ where: staff.departmentId ? { id: staff.departmentId } : { kind: 'supervision_office' }, select: { name: true } });
  return department?.name ?? '';
}

/**
 * A template with sample values, as the editor previews it: today's first case number, the first
 * county of the catalogue and the department the member of staff signs for.
 */
export async function previewTemplate(db: Db, staff: Pick<StaffActor, 'departmentId'>, body: string, opts: { prefix: string; now: Date; timeZone: string }): Promise<string> {
  const county = await db.region.findFirst({ where: { level: 'county' }, orderBy: { code: 'asc' }, select: { name: true } });
  return fillTemplate(body, { caseNumber: `${opts.prefix}${caseNumberDay(opts.now, opts.timeZone)}${formatSerial(1)}`, place: county?.name ?? '', department: await signingDepartment(db, staff) });
}

type FilledTemplate = Pick<ReplyTemplate, 'id' | 'kind' | 'topic' | 'title'> & { text: string; actions: readonly TemplateAction[] };

/**
 * The templates for a case, filled in from it: those of its first-level topic first, then those
 * for every topic; each names the actions whose text it fills in. `{department}` is the one the
 * member of staff signs for.
 */
async function templatesFor(db: Db, c: Pick<Case, 'number' | 'topic' | 'placeText'> & { region: { name: string } | null }, staff: Pick<StaffActor, 'departmentId'>): Promise<FilledTemplate[]> {
  const topic = c.topic?.split('/')[0] ?? null;
  const rows = await db.replyTemplate.findMany({ where: { OR: [{ topic: null }, ...(topic ? [{ topic }] : [])] }, orderBy: [{ kind: 'asc' }, { title: 'asc' }] });
  rows.sort((a, b) => Number(a.topic === null) - Number(b.topic === null));
  const vars = { caseNumber: c.number, place: c.placeText ?? c.region?.name ?? '', department: await signingDepartment(db, staff) };
  return rows.map((r) => ({ id: r.id, kind: r.kind, topic: r.topic, title: r.title, text: fillTemplate(r.body, vars), actions: TEMPLATE_ACTIONS[r.kind] }));
}

/**
 * The templates a member of staff can use on a case now (those whose actions they may take),
 * filled in from it; null for a case they may not see (for a handler, another department's case
 * does not exist).
 */
export async function usableTemplates(db: Db, staff: StaffActor, where: { id: string } | { number: string }): Promise<FilledTemplate[] | null> {
  const found = await db.case.findUnique({ where, include: { region: { select: { name: true } } } });
  if (!found || (staff.role === 'handler' && found.departmentId !== staff.departmentId)) return null;
  const allowed = new Set<CaseAction>(availableActions(staff, found, !!(await pendingRequest(db, found.id))));
  return (await templatesFor(db, found, staff))
    .map((t) => ({ ...t, actions: t.actions.filter((a) => allowed.has(a)) }))
    .filter((t) => t.actions.length > 0);
}
