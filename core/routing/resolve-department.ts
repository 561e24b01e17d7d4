import type { Department } from '../platform/db.js';
import type { Queryable } from '../platform/sql.js';

type Place = { regionCode: string | null; topic: string | null };
type Rule = { regionCode: string | null; topic: string | null; priority: number; department: Department };

/**
 * The routing table as it stands (rules, regions, the supervision office), to route many cases
 * with one read. The department in charge follows 属地 (local responsibility): a rule for the
 * county beats one for its prefecture, which beats a province-wide rule; at the same level a rule
 * naming the exact (second-level) topic beats one naming its first level, which beats one for any
 * topic; then the lower priority wins. Province-wide rules send a topic to its provincial
 * department. With no rule, the supervision office triages by hand.
 */
export async function loadRouting(sql: Queryable): Promise<(place: Place) => Department> {
  // One round trip of plain pg: the intake reads the table for every batch.
  const department = (d: string) =>
    `json_build_object('id', ${d}."id", 'code', ${d}."code", 'name', ${d}."name", 'nameEn', ${d}."nameEn", 'kind', ${d}."kind", 'regionCode', ${d}."regionCode", 'alertDigest', ${d}."alertDigest")`;
  const { rows } = await sql.query<{ rules: Rule[] | null; regions: { code: string; parentCode: string | null }[] | null; office: Department | null }>(
    `SELECT
       (SELECT json_agg(json_build_object('regionCode', r."regionCode", 'topic', r."topic", 'priority', r."priority", 'department', ${department('d')}))
          FROM "RoutingRule" r JOIN "Department" d ON d."id" = r."departmentId" WHERE r."regionCode" IS NOT NULL OR r."topic" IS NOT NULL) AS "rules",
       (SELECT json_agg(json_build_object('code', "code", 'parentCode', "parentCode")) FROM "Region") AS "regions",
       (SELECT ${department('o')} FROM "Department" o WHERE o."kind" = 'supervision_office' ORDER BY o."code" LIMIT 1) AS "office"`,
  );
  const rules = rows[0]!.rules ?? [];
  const regions = rows[0]!.regions ?? [];
  const office = rows[0]!.office;
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
export async function resolveDepartment(sql: Queryable, place: Place): Promise<Department> {
  return (await loadRouting(sql))(place);
}
