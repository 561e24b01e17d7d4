import type { FastifyInstance, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { exportRules, importRules } from '../../core/routing/rules-file.js';
import { isoDay } from '../../core/routing/working-days.js';
import type { Db } from '../../core/platform/db.js';
import { badRequest, refuse } from './errors.js';
import { requireRole, type ConsoleStaff } from './guard.js';
import type { ConsoleSessions } from './sessions.js';
import { isUuid } from '../../core/platform/ids.js';

const staffChange = z.object({ disabled: z.boolean() });
const holidays = z.object({
  /** Replaces the given year's days (or every day when no year is given). */
  year: z.number().int().min(2000).max(2100).optional(),
  days: z.array(z.object({ day: isoDay, name: z.string().trim().min(1).max(50), workday: z.boolean().default(false) })).max(400),
});

/**
 * Admin-only (the role check is this context's own hook): the staff accounts (list, disable or enable; accounts are created with
 * `npm run staff:add`, which asks for the password), the routing rules as the same CSV file as
 * `npm run routing:export` / `routing:import`, validated the same way, and the holiday calendar
 * that working-day deadlines and office hours follow.
 */
export async function adminRoutes(app: FastifyInstance, opts: { db: Db; sessions: ConsoleSessions; staffOf: (req: FastifyRequest) => ConsoleStaff }): Promise<void> {
  const { db } = opts;
  app.addHook('onRequest', requireRole('admin'));
  // The rules file is CSV text.
  app.addContentTypeParser('text/csv', { parseAs: 'string' }, (_req, body, done) => done(null, body));

  app.get('/console/api/admin/staff', async () => ({
    staff: await db.staff.findMany({
      orderBy: { username: 'asc' },
      select: { id: true, username: true, displayName: true, role: true, disabled: true, createdAt: true, department: { select: { code: true, name: true } } },
    }),
  }));

  app.post<{ Params: { id: string } }>('/console/api/admin/staff/:id', { config: { docs: { body: staffChange } } }, async (req, reply) => {
    const change = staffChange.safeParse(req.body);
    if (!change.success) return badRequest(reply, change.error);
    if (req.params.id === opts.staffOf(req).id) return refuse(reply, 409, 'you cannot disable your own account', 'staffError.ownAccount');
    const done = isUuid(req.params.id)
      ? await db.staff.updateMany({ where: { id: req.params.id }, data: { disabled: change.data.disabled } })
      : { count: 0 };
    if (!done.count) return refuse(reply, 404, 'no such staff account', 'staffError.noSuchStaff');
    // A disabled account's sign-ins and open live streams end now, not when they next expire.
    if (change.data.disabled) await opts.sessions.endAll(req.params.id);
    return { ok: true };
  });

  app.get('/console/api/admin/routing', async (_req, reply) => reply.type('text/csv; charset=utf-8').header('content-disposition', 'attachment; filename="routing-rules.csv"').send(await exportRules(db)));

  app.post('/console/api/admin/routing', { config: { docs: { consumes: ['text/csv'] } } }, async (req, reply) => {
    if (typeof req.body !== 'string') return refuse(reply, 415, 'send the rules as text/csv', 'staffError.csvRequired');
    const { imported, errors } = await importRules(db, req.body);
    if (errors.length) return reply.code(400).send({ error: `${errors.length} error(s); no rule was changed`, key: 'staffError.routingErrors', params: { count: errors.length }, errors });
    return { imported };
  });

  app.get('/console/api/admin/holidays', async () => ({ days: await db.holiday.findMany({ orderBy: { day: 'asc' } }) }));

  // A year's public holidays and make-up working days, e.g. from the State Council's notice.
  app.post('/console/api/admin/holidays', { config: { docs: { body: holidays } } }, async (req, reply) => {
    const body = holidays.safeParse(req.body);
    if (!body.success) return badRequest(reply, body.error);
    const { year, days } = body.data;
    if (year !== undefined && days.some((d) => !d.day.startsWith(`${year}-`))) return refuse(reply, 400, `every day must be in ${year}`, 'staffError.holidayYear', { year });
    await db.$transaction([
      db.holiday.deleteMany({ where: year === undefined ? {} : { day: { startsWith: `${year}-` } } }),
      db.holiday.createMany({ data: days }),
    ]);
    return { saved: days.length };
  });
}
