import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { periodWorkbook } from '../../core/cases/export.js';
import { computeRates, rateDefinitions } from '../../core/cases/rates.js';
import type { Config } from '../../core/platform/config.js';
import type { Clock } from '../../core/platform/clock.js';
import type { Db } from '../../core/platform/db.js';
import { isoDay } from '../../core/routing/working-days.js';
import { badRequest } from './errors.js';
import { requireRole } from './guard.js';

const range = z.object({ from: isoDay, to: isoDay, lang: z.enum(['zh', 'en']).default('zh') }).refine((r) => r.from <= r.to, 'from must not be after to');

/** The departments' ranking on the three rates, and the period's spreadsheet: for the supervision office (and admins). */
export async function rankingRoutes(app: FastifyInstance, opts: { db: Db; config: Config; now: Clock }): Promise<void> {
  const { db, config } = opts;
  app.addHook('onRequest', requireRole('admin', 'supervisor'));

  app.get('/console/api/ranking', async (req, reply) => {
    const query = range.safeParse(req.query);
    if (!query.success) return badRequest(reply, query.error);
    const departments = await computeRates(db, { ...query.data, timeZone: config.TIMEZONE, now: opts.now() });
    return { from: query.data.from, to: query.data.to, departments, definitions: rateDefinitions(query.data.lang) };
  });

  app.get('/console/api/ranking.xlsx', async (req, reply) => {
    const query = range.safeParse(req.query);
    if (!query.success) return badRequest(reply, query.error);
    const { from, to } = query.data;
    const file = await periodWorkbook(db, { ...query.data, timeZone: config.TIMEZONE, now: opts.now() });
    return reply
      .type('application/vnd.openxmlformats-officedocument.spreadsheetml.sheet')
      .header('content-disposition', `attachment; filename="tingmin-${from}-${to}.xlsx"`)
      .send(file);
  });
}
