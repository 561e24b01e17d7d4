import { RegionMatcher, type RegionDef } from '../nlp-models/index.js';
import type { Lang } from '../core/i18n/index.js';
import type { Db } from '../core/platform/db.js';

export type TopicEntry = { name: string; nameEn: string | null };

/**
 * The office's reference data (topics, regions) as the dialogue needs it, read once from the
 * database at start-up: edits to these tables take effect when the processes restart.
 */
export class Catalog {
  private readonly regionsByCode: Map<string, RegionDef>;
  private readonly matcher: RegionMatcher;

  constructor(
    readonly topics: TopicEntry[],
    regions: RegionDef[],
  ) {
    this.regionsByCode = new Map(regions.map((r) => [r.code, r]));
    this.matcher = new RegionMatcher(regions);
  }

  static async load(db: Db): Promise<Catalog> {
    const [topics, regions] = await Promise.all([
      db.topic.findMany({ where: { parentId: null }, orderBy: { sortOrder: 'asc' } }),
      db.region.findMany(),
    ]);
    return new Catalog(
      topics.map((t) => ({ name: t.name, nameEn: t.nameEn })),
      regions.map((r) => ({ code: r.code, name: r.name, level: r.level, parentCode: r.parentCode, aliases: r.aliases })),
    );
  }

  topicLabel(name: string, lang: Lang): string {
    const topic = this.topics.find((t) => t.name === name);
    return lang === 'en' && topic?.nameEn ? topic.nameEn : name;
  }

  /** A topic named by the resident, in either language. */
  findTopic(text: string): TopicEntry | undefined {
    const wanted = text.trim().toLowerCase();
    return this.topics.find((t) => t.name === wanted || t.nameEn?.toLowerCase() === wanted);
  }

  /** The county or prefecture named in a text, if any. */
  matchRegion(text: string): RegionDef | null {
    return this.matcher.match(text);
  }

  /** "西宁市城东区" for a county, the prefecture's own name otherwise. */
  regionFullName(code: string): string | undefined {
    const region = this.regionsByCode.get(code);
    if (!region) return undefined;
    const parent = region.parentCode ? this.regionsByCode.get(region.parentCode) : undefined;
    return parent ? parent.name + region.name : region.name;
  }
}
