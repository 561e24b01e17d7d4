import type { Db, Department } from '../platform/db.js';

type Place = { regionCode: string | null; topic: string | null };

/**
 * The routing table as it stands (rules, regions, the supervision office), to route many cases
 * with one read. The department in charge follows 属地 (local responsibility): a rule for the
 * county beats one for its prefecture, which beats a province-wide rule; at the same level a rule
 * naming the exact (second-level) topic beats one naming its first level, which beats one for any
 * topic; then the lower priority wins. Province-wide rules send a topic to its provincial
 * department. With no rule, the supervision office triages by hand.
 */
export async function loadRouting(db: Db): Promise<(place: Place) => Department> {
  const [rules, regions, office] = await Promise.all([
    db.routingRule.findMany({ where: { NOT: { regionCode: null, topic: null } }, include: { department: true } }),
    db.region.findMany({ select: { code: true, parentCode: true } }),
    db.department.findFirst({ where: { kind: 'supervision_office' }, orderBy: { code: 'asc' } }),
  ]);
  const parents = new Map(regions.map((r) => [r.code, r.parentCode]));
  return (place) => {
    const regionLevels = place.regionCode && parents.has(place.regionCode) ? [place.regionCode, parents.get(place.regionCode)].filter((c): c is string => !!c) : [];
    // A second-level topic ("城乡建设/物业管理") also matches rules for its first level.
    const topics = place.topic ? [place.topic, place.topic.split('/')[0]!] : [];
    const score = (r: (typeof rules)[number]) => {
      const level = r.regionCode === null ? 0 : regionLevels.length - regionLevels.indexOf(r.regionCode);
      const topic = r.topic === null ? 0 : r.topic === place.topic ? 2 : 1;
      return level * 3 + topic;
    };
    let best: (typeof rules)[number] | undefined;
    for (const r of rules) {
      if (r.regionCode !== null && !regionLevels.includes(r.regionCode)) continue;
      if (r.topic !== null && !topics.includes(r.topic)) continue;
      if (!best || score(r) > score(best) || (score(r) === score(best) && r.priority < best.priority)) best = r;
    }
    if (best) return best.department;
    if (!office) throw new Error('no supervision office in the departments table');
    return office;
  };
}

/** The department in charge of one place and topic (see loadRouting). */
export async function resolveDepartment(db: Db, place: Place): Promise<Department> {
  return (await loadRouting(db))(place);
}
