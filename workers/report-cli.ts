// npm run report -- --from 2026-01-01 --to 2026-12-31 [--lang zh|en] [--json]
import { parseArgs } from 'node:util';
import { z } from 'zod';
import { loadConfig } from '../core/platform/config.js';
import { createDb } from '../core/platform/db.js';
import { t } from '../core/i18n/index.js';
import { hotSpotsBetween } from '../core/cases/duplicates.js';
import { isoDay } from '../core/routing/working-days.js';
import { computeFigures, figuresText } from '../core/cases/figures.js';

const args = z
  .object({ from: isoDay, to: isoDay, lang: z.enum(['zh', 'en']).default('zh'), json: z.boolean().default(false) })
  .refine((a) => a.from <= a.to, 'from must not be after to');

function fail(message: string): never {
  process.stderr.write(`report: ${message}\nusage: npm run report -- --from YYYY-MM-DD --to YYYY-MM-DD [--lang zh|en] [--json]\n`);
  process.exit(2);
}

let parsed: z.infer<typeof args>;
try {
  const { values } = parseArgs({ options: { from: { type: 'string' }, to: { type: 'string' }, lang: { type: 'string' }, json: { type: 'boolean' } } });
  const checked = args.safeParse(values);
  if (!checked.success) fail(checked.error.issues.map((i) => `${i.path.join('.') || 'dates'}: ${i.message}`).join('; '));
  parsed = checked.data;
} catch (err) {
  fail((err as Error).message);
}

const config = loadConfig();
const db = createDb(config.DATABASE_URL);
try {
  const figures = await computeFigures(db, { from: parsed.from, to: parsed.to, timeZone: config.TIMEZONE });
  const hotspots = await hotSpotsBetween(db, config, parsed.from, parsed.to);
  const spots = hotspots.slice(0, 5).map((h) =>
    t(parsed.lang, 'figures.hotspot', { topic: h.topic, count: h.count, regions: h.regions.map((r) => r.name).join(parsed.lang === 'en' ? ', ' : '、'), description: h.description.slice(0, 40) }),
  );
  process.stdout.write(`${[figuresText(figures, parsed.lang), ...spots].join('\n')}\n`);
  if (parsed.json) process.stdout.write(`${JSON.stringify({ ...figures, hotspots })}\n`);
} finally {
  await db.$disconnect();
}
