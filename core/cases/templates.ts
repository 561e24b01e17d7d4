import { z } from 'zod';
import type { Case, Db, Department } from '../platform/db.js';

export const TEMPLATE_KINDS = ['acceptance', 'info_request', 'answer'] as const;

/** The body of PUT /console/api/admin/templates: the whole list, replaced. */
export const templatesSchema = z.object({
  templates: z
    .array(
      z.object({
        topic: z.string().trim().min(1).max(50).nullable().default(null),
        kind: z.enum(TEMPLATE_KINDS),
        title: z.string().trim().min(1).max(50),
        body: z.string().trim().min(1).max(2000),
      }),
    )
    .max(500),
});

const PLACEHOLDERS = ['caseNumber', 'place', 'department'] as const;

/** Fills {caseNumber}, {place} and {department}; other braces stay as written. */
export function fillTemplate(body: string, vars: Record<(typeof PLACEHOLDERS)[number], string>): string {
  const values = new Map(Object.entries(vars));
  return body.replace(/\{(\w+)\}/g, (whole, name: string) => values.get(name) ?? whole);
}

/**
 * The templates for a case, filled in from it: those of its first-level topic first, then those
 * for every topic. `department` is the one the reply is signed by.
 */
export async function templatesFor(db: Db, c: Pick<Case, 'number' | 'topic' | 'placeText'> & { region: { name: string } | null }, department: Pick<Department, 'name'> | null) {
  const topic = c.topic?.split('/')[0] ?? null;
  const rows = await db.replyTemplate.findMany({ where: { OR: [{ topic: null }, ...(topic ? [{ topic }] : [])] }, orderBy: [{ kind: 'asc' }, { title: 'asc' }] });
  rows.sort((a, b) => Number(a.topic === null) - Number(b.topic === null));
  const vars = { caseNumber: c.number, place: c.placeText ?? c.region?.name ?? '', department: department?.name ?? '' };
  return rows.map((r) => ({ id: r.id, kind: r.kind, topic: r.topic, title: r.title, text: fillTemplate(r.body, vars) }));
}
