import type { Config } from '../platform/config.js';
import type { CaseStatus, Db, Department } from '../platform/db.js';
import { timestamp, type Queryable } from '../platform/sql.js';
import { localDayRange } from '../routing/working-days.js';
import { FEATURES_HEADER, featuresOf, featuresOrText, rankSimilar, similarity, type Features } from './similarity.js';
import { OPEN_STATUSES } from './status-machine.js';

export { textSimilarity } from './similarity.js';

type Candidate = { regionCode: string | null; topic: string | null; description: string; createdAt: Date };
/** An open root case that a new one may join (并单), with its department and stored features. */
export type OpenCase = {
  id: string;
  number: string;
  deadline: Date | null;
  department: Pick<Department, 'id' | 'code' | 'name' | 'nameEn' | 'kind'> | null;
  features: Features;
};
export type DuplicateTarget = OpenCase & { similarity: number };

const DAY_MS = 86_400_000;
/** Open cases per region and topic that a new case is compared with, most recent first. */
const SCAN_LIMIT = 200;
const firstLevel = (topic: string) => topic.split('/')[0]!;
// A case's topic is its first-level name or "first/second"; either matches the first level.
const topicFilter = (first: string) => ({ OR: [{ topic: first }, { topic: { startsWith: `${first}/` } }] });

/** Where duplicates are looked for: region and first-level topic; null when a case has not both. */
export function duplicateScope(c: { regionCode: string | null; topic: string | null }): string | null {
  return c.regionCode && c.topic ? `${c.regionCode} ${firstLevel(c.topic)}` : null;
}

// The features of cases this process compared lately, by case id (a Map keeps insertion order:
// the oldest goes first). A case's features never change once it is written, so the copy is never
// stale, and a busy scope's 200 open cases are not read and decoded again for every batch.
const KNOWN_FEATURES = new Map<string, Features>();
const KNOWN_MAX = 4_000;

/** Keeps a case's features for later comparisons (the intake, for the cases it writes). */
export function knowFeatures(caseId: string, features: Features): void {
  if (KNOWN_FEATURES.size >= KNOWN_MAX) KNOWN_FEATURES.delete(KNOWN_FEATURES.keys().next().value!);
  KNOWN_FEATURES.set(caseId, features);
}

/** The features of these cases: from memory, the others read in one statement. */
async function featuresOfCases(sql: Queryable, ids: string[]): Promise<Map<string, Features>> {
  const found = new Map<string, Features>();
  const missing: string[] = [];
  for (const id of ids) {
    const known = KNOWN_FEATURES.get(id);
    if (known) found.set(id, known);
    else missing.push(id);
  }
  if (!missing.length) return found;
  const { rows } = await sql.query<{ id: string; description: string | null; features: Buffer | null }>(
    // The text only where no current features were stored.
    `SELECT "id", "features", CASE WHEN "features" IS NULL OR substring("features" FROM 1 FOR 4) <> $2::bytea THEN "description" END AS "description"
     FROM "Case" WHERE "id" = ANY($1::uuid[])`,
    [missing, FEATURES_HEADER],
  );
  for (const { id, features, description } of rows) {
    const decoded = featuresOrText(features, description ?? '');
    knowFeatures(id, decoded);
    found.set(id, decoded);
  }
  return found;
}

/**
 * The open cases (并单 targets) of each scope: same region, same first-level topic, created in the
 * window before `at`, and not themselves duplicates, so links always point at a root.
 */
export async function openCasesByScope(sql: Queryable, scopes: string[], at: Date, windowDays: number): Promise<Map<string, OpenCase[]>> {
  const byScope = new Map<string, OpenCase[]>(scopes.map((s) => [s, []]));
  if (!scopes.length) return byScope;
  type Row = Omit<OpenCase, 'features' | 'department'> & { scope: string; department: OpenCase['department'] };
  // Per scope, the newest first down the index "Case_duplicate_scope" (its expression written the
  // same way here, so the planner uses it), stopping at SCAN_LIMIT.
  const { rows } = await sql.query<Row>(
    `SELECT s."scope", c.*
     FROM unnest($1::text[], $2::text[], $3::text[]) WITH ORDINALITY AS s("scope", "regionCode", "topic", "n")
     CROSS JOIN LATERAL (
       SELECT c."id", c."number",
              CASE WHEN d."id" IS NOT NULL THEN json_build_object('id', d."id", 'code', d."code", 'name', d."name", 'nameEn', d."nameEn", 'kind', d."kind") END AS "department",
              c."deadline" AT TIME ZONE 'UTC' AS "deadline", c."createdAt"
       FROM "Case" c LEFT JOIN "Department" d ON d."id" = c."departmentId"
       WHERE c."regionCode" = s."regionCode" AND split_part(c."topic", '/', 1) = s."topic" AND c."duplicateOfId" IS NULL
         AND c."status" = ANY($4::"CaseStatus"[]) AND c."createdAt" >= $5::timestamp AND c."createdAt" <= $6::timestamp
       ORDER BY c."createdAt" DESC LIMIT ${SCAN_LIMIT}
     ) c
     ORDER BY s."n", c."createdAt" DESC`,
    [
      scopes,
      scopes.map((s) => s.slice(0, s.indexOf(' '))),
      scopes.map((s) => s.slice(s.indexOf(' ') + 1)),
      OPEN_STATUSES satisfies readonly CaseStatus[],
      timestamp(new Date(at.getTime() - windowDays * DAY_MS)),
      timestamp(at),
    ],
  );
  const features = await featuresOfCases(sql, rows.map((r) => r.id));
  for (const { scope, department, id, number, deadline } of rows) {
    byScope.get(scope)!.push({ id, number, deadline, department, features: features.get(id)! });
  }
  return byScope;
}

/** The open case most like the features, if any is alike enough; the most recent wins a tie. */
export function pickDuplicate(features: Features, open: OpenCase[], threshold: number): DuplicateTarget | null {
  return rankSimilar(features, open, { threshold, limit: 1 })[0] ?? null;
}

/** The open case (并单 target) most like the candidate, as the intake finds it. */
export async function findDuplicate(sql: Queryable, candidate: Candidate, opts: { windowDays: number; threshold: number }): Promise<DuplicateTarget | null> {
  const scope = duplicateScope(candidate);
  if (!scope) return null;
  const open = await openCasesByScope(sql, [scope], candidate.createdAt, opts.windowDays);
  return pickDuplicate(featuresOf(candidate.description), open.get(scope)!, opts.threshold);
}

export type HotSpot = {
  topic: string;
  /** The topic's and regions' English names, where the reference data has them (null: none). */
  topicEn: string | null;
  count: number;
  caseNumbers: string[];
  regions: { code: string; name: string; nameEn: string | null }[];
  firstAt: Date;
  lastAt: Date;
  /** The description most like the others in the group. */
  description: string;
};

/** Most recent cases per first-level topic that findHotSpots compares (all pairs: 2,000 cases ≈ 2M sparse dot products at most). */
const HOTSPOT_SCAN_LIMIT = 2000;

/**
 * 举一反三: the same problem reported in several regions. Cases of one first-level topic are
 * linked when similar enough (single link); groups with enough cases in enough regions are
 * returned, biggest first. Rejected cases (spam, abuse) are left out.
 */
export async function findHotSpots(
  db: Db,
  opts: { from: Date; to: Date; threshold: number; minCases: number; minRegions: number; departmentId?: string },
): Promise<HotSpot[]> {
  const topics = await db.topic.findMany({ where: { parentId: null }, select: { name: true, nameEn: true } });
  const spots: HotSpot[] = [];
  for (const { name: topic, nameEn: topicEn } of topics) {
    const cases = await db.case.findMany({
      where: {
        ...topicFilter(topic),
        regionCode: { not: null },
        status: { not: 'rejected' },
        source: null,
        createdAt: { gte: opts.from, lt: opts.to },
        departmentId: opts.departmentId,
      },
      orderBy: { createdAt: 'desc' },
      take: HOTSPOT_SCAN_LIMIT,
      select: { number: true, description: true, createdAt: true, regionCode: true, region: { select: { name: true, nameEn: true } } },
    });
    const vectors = cases.map((c) => featuresOf(c.description));
    const parent = cases.map((_, i) => i);
    const root = (i: number): number => (parent[i] === i ? i : (parent[i] = root(parent[i]!)));
    const centrality = new Array<number>(cases.length).fill(0);
    for (let i = 0; i < cases.length; i++) {
      for (let j = i + 1; j < cases.length; j++) {
        const s = similarity(vectors[i]!, vectors[j]!, false);
        if (s < opts.threshold) continue;
        parent[root(i)] = root(j);
        centrality[i]! += s;
        centrality[j]! += s;
      }
    }
    const groups = new Map<number, number[]>();
    for (let i = 0; i < cases.length; i++) {
      const members = groups.get(root(i));
      if (members) members.push(i);
      else groups.set(root(i), [i]);
    }
    for (const members of groups.values()) {
      const regions = new Map(members.map((i) => [cases[i]!.regionCode!, cases[i]!.region!]));
      if (members.length < opts.minCases || regions.size < opts.minRegions) continue;
      const times = members.map((i) => cases[i]!.createdAt.getTime());
      const central = members.reduce((a, b) => (centrality[b]! > centrality[a]! ? b : a));
      spots.push({
        topic,
        topicEn,
        count: members.length,
        caseNumbers: members.map((i) => cases[i]!.number).sort(),
        regions: [...regions].map(([code, { name, nameEn }]) => ({ code, name, nameEn })).sort((a, b) => a.code.localeCompare(b.code)),
        firstAt: new Date(Math.min(...times)),
        lastAt: new Date(Math.max(...times)),
        description: cases[central]!.description,
      });
    }
  }
  return spots.sort((a, b) => b.count - a.count || b.regions.length - a.regions.length);
}

/** The hot spots among the cases received between two local dates (both included), with the office's settings; optionally one department's cases only. */
export function hotSpotsBetween(db: Db, config: Config, from: string, to: string, departmentId?: string): Promise<HotSpot[]> {
  return findHotSpots(db, {
    ...localDayRange(from, to, config.TIMEZONE),
    departmentId,
    threshold: config.DUPLICATE_SIMILARITY,
    minCases: config.HOTSPOT_MIN_CASES,
    minRegions: config.HOTSPOT_MIN_REGIONS,
  });
}
