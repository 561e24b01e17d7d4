import type { PrismaClient as Db } from './generated/client.js';
import regionsFile from './seed/regions.json' with { type: 'json' };
import holidaysFile from './seed/holidays.json' with { type: 'json' };
import routingFile from './seed/routing.json' with { type: 'json' };
import topicsFile from './seed/topics.json' with { type: 'json' };
import faqFile from './seed/faq.json' with { type: 'json' };
import templatesFile from './seed/templates.json' with { type: 'json' };

type RegionLevel = 'prefecture' | 'county';
type TemplateKindName = 'acceptance' | 'info_request' | 'answer';
type DepartmentKind = 'supervision_office' | 'provincial_department' | 'prefecture_government' | 'county_government';

/**
 * Loads the default Qinghai data (regions, topics, departments, routing rules, the holiday
 * calendar, example reply templates) when the database has none, and the example FAQ when the FAQ is empty. It is data, not code: offices edit the tables (or these JSON files before the first start).
 * Safe to run from many processes at once.
 */
export async function seedIfEmpty(db: Db): Promise<boolean> {
  return db.$transaction(async (tx) => {
    await tx.$executeRaw`SELECT pg_advisory_xact_lock(827364)`;
    // The example FAQ (about the service itself), also into a database seeded before the FAQ existed.
    if ((await tx.faqEntry.count()) === 0) await tx.faqEntry.createMany({ data: faqFile.entries.map((e, i) => ({ ...e, position: i })) });
    if ((await tx.region.count()) > 0) return false;
    await tx.holiday.createMany({ data: holidaysFile.holidays.map((h) => ({ ...h, workday: h.workday ?? false })) });
    const regions = regionsFile.regions.map((r) => ({ ...r, level: r.level as RegionLevel }));
    // Parents first: counties refer to their prefecture.
    await tx.region.createMany({ data: regions.filter((r) => r.level === 'prefecture') });
    await tx.region.createMany({ data: regions.filter((r) => r.level === 'county') });
    for (const [i, t] of topicsFile.topics.entries()) {
      await tx.topic.create({
        data: {
          name: t.name,
          nameEn: t.nameEn,
          sortOrder: i,
          children: { create: t.subtopics.map((name, j) => ({ name, sortOrder: j })) },
        },
      });
    }
    await tx.department.createMany({
      data: routingFile.departments.map((d) => ({ ...d, kind: d.kind as DepartmentKind })),
    });
    const ids = new Map((await tx.department.findMany({ select: { id: true, code: true } })).map((d) => [d.code, d.id]));
    await tx.routingRule.createMany({
      data: routingFile.routingRules.map(({ departmentCode, ...rule }) => ({ ...rule, departmentId: ids.get(departmentCode)! })),
    });
    // Examples for every topic, written by the project; only at the first start, so that a template
    // the office deleted stays deleted.
    await tx.replyTemplate.createMany({ data: templatesFile.templates.map((t) => ({ ...t, kind: t.kind as TemplateKindName })) });
    return true;
  }, { timeout: 30_000 });
}
