// npm run report -- --from 2026-01-01 --to 2026-12-31 [--lang zh|en] [--json] [--xlsx file] [--as-of instant]
// npm run report -- --ranking [--from … --to …] [--lang zh|en] [--json] [--xlsx file] [--as-of instant]
import { writeFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { z } from 'zod';
import { loadConfig } from '../core/platform/config.js';
import { createDb } from '../core/platform/db.js';
import { t } from '../core/i18n/index.js';
import { hotSpotsBetween } from '../core/cases/duplicates.js';
import { isoDay } from '../core/routing/working-days.js';
import { computeFigures, figuresText, rowLabel } from '../core/cases/figures.js';
import { projectFigures } from '../core/projects/progress.js';
import { periodWorkbook } from '../core/cases/export.js';
import { computeRates, rateDefinitions } from '../core/cases/rates.js';
import { systemClock } from '../core/platform/clock.js';
import { localDate, localDayRange } from '../core/routing/working-days.js';
import { faqAskCounts } from '../core/faq/faq.js';

const args = z
  .object({
    from: isoDay.optional(),
    to: isoDay.optional(),
    lang: z.enum(['zh', 'en']).default('zh'),
    json: z.boolean().default(false),
    ranking: z.boolean().default(false),
    xlsx: z.string().min(1).optional(),
    // What was due, overdue or open is counted as it stood then: a past report comes out the same later.
    'as-of': z.string().datetime({ offset: true }).optional(),
  })
  .refine((a) => a.ranking || (a.from && a.to), '--from and --to are required (the ranking defaults to this month)')
  .refine((a) => !a.from || !a.to || a.from <= a.to, 'from must not be after to');

function fail(message: string): never {
  process.stderr.write(`report: ${message}\nusage: npm run report -- --from YYYY-MM-DD --to YYYY-MM-DD [--lang zh|en] [--json] [--xlsx FILE] [--as-of ISO-INSTANT]\n       npm run report -- --ranking [--from YYYY-MM-DD --to YYYY-MM-DD] [--lang zh|en] [--json] [--xlsx FILE] [--as-of ISO-INSTANT]\n`);
  process.exit(2);
}

let parsed: z.infer<typeof args>;
try {
  const { values } = parseArgs({
    options: { from: { type: 'string' }, to: { type: 'string' }, lang: { type: 'string' }, json: { type: 'boolean' }, ranking: { type: 'boolean' }, xlsx: { type: 'string' }, 'as-of': { type: 'string' } },
  });
  const checked = args.safeParse(values);
  if (!checked.success) fail(checked.error.issues.map((i) => `${i.path.join('.') || 'dates'}: ${i.message}`).join('; '));
  parsed = checked.data;
} catch (err) {
  fail((err as Error).message);
}

const config = loadConfig();
const db = createDb(config.DATABASE_URL);
const asOf = parsed['as-of'];
const now = asOf ? new Date(asOf) : systemClock();
// The ranking's default period: this month so far.
const today = localDate(now, config.TIMEZONE);
const from = parsed.from ?? `${today.slice(0, 8)}01`;
const to = parsed.to ?? today;
const lang = parsed.lang;
try {
  if (parsed.xlsx) await writeFile(parsed.xlsx, await periodWorkbook(db, { from, to, timeZone: config.TIMEZONE, now, lang }));
  if (parsed.ranking) {
    const departments = await computeRates(db, { from, to, timeZone: config.TIMEZONE, now });
    const pct = (r: number | null) => (r === null ? '—' : `${(r * 100).toFixed(1)}%`);
    const lines = departments.map((d) =>
      t(lang, 'rates.line', { rank: d.rank, department: lang === 'en' && d.nameEn ? d.nameEn : d.name, cases: d.cases, response: pct(d.responseRate), resolution: pct(d.resolutionRate), satisfaction: pct(d.satisfactionRate) }),
    );
    process.stdout.write(`${[t(lang, 'rates.title', { from, to }), ...lines].join('\n')}\n`);
    if (parsed.json) process.stdout.write(`${JSON.stringify({ from, to, departments, definitions: rateDefinitions(lang) })}\n`);
  } else {
    const figures = await computeFigures(db, { from, to, timeZone: config.TIMEZONE });
    const hotspots = await hotSpotsBetween(db, config, from, to);
    const period = localDayRange(from, to, config.TIMEZONE);
    const counts = await faqAskCounts(db, period.from, period.to);
    // Questions the FAQ did not answer, for the office to write answers to.
    const faq = { ...counts, asked: counts.answered + counts.unmatched, unanswered: counts.unmatched + counts.notHelped };
    const spots = hotspots.slice(0, 5).map((h) =>
      t(lang, 'figures.hotspot', {
        topic: rowLabel({ label: h.topic, labelEn: h.topicEn }, lang),
        count: h.count,
        regions: h.regions.map((r) => rowLabel({ label: r.name, labelEn: r.nameEn }, lang)).join(lang === 'en' ? ', ' : '、'),
        description: h.description.slice(0, 40),
      }),
    );
    const projects = await projectFigures(db, { from, to, timeZone: config.TIMEZONE, today });
    process.stdout.write(`${[figuresText(figures, lang), t(lang, 'figures.projects', projects), ...spots, t(lang, 'figures.faq', faq)].join('\n')}\n`);
    if (parsed.json) process.stdout.write(`${JSON.stringify({ ...figures, hotspots, projects, faq })}\n`);
  }
} finally {
  await db.$disconnect();
}
