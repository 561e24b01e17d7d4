import { parseCsv } from '../../nlp-models/data/csv.js';
import type { Db } from '../platform/db.js';

/**
 * Routing rules as a file the office edits in a spreadsheet: one rule a line,
 * `region,topic,department,priority` plus informational name columns that import ignores.
 * An empty region or topic matches any. Region: a code or a name/alias; topic: a first-level
 * name or "first/second"; department: its code.
 */
const HEADER = ['region', 'region_name', 'topic', 'department', 'department_name', 'priority'];

export type RuleFileError = { line: number; message: string };
type ParsedRule = { regionCode: string | null; topic: string | null; departmentId: string; priority: number };

function csvField(value: string): string {
  return /[",\n\r]/.test(value) ? `"${value.replaceAll('"', '""')}"` : value;
}

export async function exportRules(db: Db): Promise<string> {
  const rules = await db.routingRule.findMany({
    include: { region: true, department: true },
    orderBy: [{ regionCode: 'asc' }, { topic: 'asc' }, { priority: 'asc' }],
  });
  const lines = rules.map((r) =>
    [r.regionCode ?? '', r.region?.name ?? '', r.topic ?? '', r.department.code, r.department.name, String(r.priority)].map(csvField).join(','),
  );
  return [HEADER.join(','), ...lines].join('\n') + '\n';
}

/** Checks every line against the regions, topics and departments in the database. */
async function parseRules(db: Db, text: string): Promise<{ rules: ParsedRule[]; errors: RuleFileError[] }> {
  const [regions, topics, departments] = await Promise.all([
    db.region.findMany(),
    db.topic.findMany({ include: { parent: true } }),
    db.department.findMany(),
  ]);
  const regionBy = new Map<string, string>();
  for (const r of regions) for (const key of [r.code, r.name, ...r.aliases]) regionBy.set(key.toLowerCase(), r.code);
  const topicNames = new Set(topics.map((t) => (t.parent ? `${t.parent.name}/${t.name}` : t.name)));
  const departmentBy = new Map(departments.map((d) => [d.code, d.id]));

  const errors: RuleFileError[] = [];
  let rows: string[][];
  try {
    rows = parseCsv(text);
  } catch (err) {
    return { rules: [], errors: [{ line: 1, message: (err as Error).message }] };
  }
  const header = (rows[0] ?? []).map((h) => h.trim().toLowerCase());
  const col = (name: string) => header.indexOf(name);
  for (const needed of ['region', 'topic', 'department', 'priority']) {
    if (col(needed) < 0) errors.push({ line: 1, message: `missing column "${needed}"` });
  }
  if (errors.length) return { rules: [], errors };

  const rules: ParsedRule[] = [];
  rows.slice(1).forEach((row, i) => {
    const line = i + 2;
    const get = (name: string) => (row[col(name)] ?? '').trim();
    if (row.every((cell) => cell.trim() === '')) return;
    const [region, topic, department, priority] = [get('region'), get('topic'), get('department'), get('priority')];
    const regionCode = region ? regionBy.get(region.toLowerCase()) : null;
    const departmentId = departmentBy.get(department);
    const problems = [
      region && !regionCode ? `unknown region "${region}"` : '',
      topic && !topicNames.has(topic) ? `unknown topic "${topic}"` : '',
      !department ? 'department is empty' : !departmentId ? `unknown department "${department}"` : '',
      !/^\d{1,6}$/.test(priority) ? `priority must be a whole number, got "${priority}"` : '',
      !region && !topic ? 'a rule needs a region or a topic (the supervision office already takes what matches nothing)' : '',
    ].filter(Boolean);
    if (problems.length) errors.push({ line, message: problems.join('; ') });
    else rules.push({ regionCode: regionCode ?? null, topic: topic || null, departmentId: departmentId!, priority: Number(priority) });
  });
  return { rules, errors };
}

/** Replaces all routing rules with the file's, or changes nothing and returns the errors. */
export async function importRules(db: Db, text: string): Promise<{ imported: number; errors: RuleFileError[] }> {
  const { rules, errors } = await parseRules(db, text);
  if (errors.length) return { imported: 0, errors };
  await db.$transaction([db.routingRule.deleteMany(), db.routingRule.createMany({ data: rules })]);
  return { imported: rules.length, errors: [] };
}
