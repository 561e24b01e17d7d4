import type { Db, Department } from '../platform/db.js';

/**
 * The department in charge, following 属地 (local responsibility): a rule for the county beats
 * one for its prefecture, which beats a province-wide rule; at the same level a rule naming the
 * exact (second-level) topic beats one naming its first level, which beats one for any topic;
 * then the lower priority wins. Province-wide rules send a topic to its provincial department.
 * With no rule, the supervision office triages by hand.
 */
export async function resolveDepartment(
  db: Db,
  place: { regionCode: string | null; topic: string | null },
): Promise<Department> {
  const region = place.regionCode ? await db.region.findUnique({ where: { code: place.regionCode } }) : null;
  const regionLevels = [region?.code, region?.parentCode].filter((c): c is string => !!c);
  // A second-level topic ("城乡建设/物业管理") also matches rules for its first level.
  const topics = place.topic ? [...new Set([place.topic, place.topic.split('/')[0]!])] : [];
  const rules = await db.routingRule.findMany({
    where: {
      AND: [
        { OR: [{ regionCode: null }, { regionCode: { in: regionLevels } }] },
        { OR: [{ topic: null }, { topic: { in: topics } }] },
        { NOT: { regionCode: null, topic: null } },
      ],
    },
    include: { department: true },
  });
  const score = (r: (typeof rules)[number]) => {
    const level = r.regionCode === null ? 0 : regionLevels.length - regionLevels.indexOf(r.regionCode);
    const topic = r.topic === null ? 0 : r.topic === place.topic ? 2 : 1;
    return level * 3 + topic;
  };
  const best = rules.sort((a, b) => score(b) - score(a) || a.priority - b.priority)[0];
  if (best) return best.department;
  const office = await db.department.findFirst({ where: { kind: 'supervision_office' }, orderBy: { code: 'asc' } });
  if (!office) throw new Error('no supervision office in the departments table');
  return office;
}
