import type { Db, Department } from '../../bot/platform/db.js';

/**
 * The department in charge, following 属地 (local responsibility): a rule for the county beats
 * one for its prefecture, which beats a province-wide rule; at the same level a rule naming the
 * topic beats one for any topic, then the lower priority wins. With no rule, the supervision
 * office triages by hand.
 */
export async function resolveDepartment(
  db: Db,
  place: { regionCode: string | null; topic: string | null },
): Promise<Department> {
  const region = place.regionCode ? await db.region.findUnique({ where: { code: place.regionCode } }) : null;
  const regionLevels = [region?.code, region?.parentCode].filter((c): c is string => !!c);
  const rules = await db.routingRule.findMany({
    where: {
      AND: [
        { OR: [{ regionCode: null }, { regionCode: { in: regionLevels } }] },
        { OR: [{ topic: null }, ...(place.topic ? [{ topic: place.topic }] : [])] },
        { NOT: { regionCode: null, topic: null } },
      ],
    },
    include: { department: true },
  });
  const score = (r: (typeof rules)[number]) => {
    const level = r.regionCode === null ? 0 : regionLevels.length - regionLevels.indexOf(r.regionCode);
    return level * 2 + (r.topic ? 1 : 0);
  };
  const best = rules.sort((a, b) => score(b) - score(a) || a.priority - b.priority)[0];
  if (best) return best.department;
  const office = await db.department.findFirst({ where: { kind: 'supervision_office' }, orderBy: { code: 'asc' } });
  if (!office) throw new Error('no supervision office in the departments table');
  return office;
}
