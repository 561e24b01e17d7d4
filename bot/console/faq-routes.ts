import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { faqEntrySchema, frequentUnanswered, type Faq } from '../../core/faq/faq.js';
import type { Db } from '../../core/platform/db.js';
import type { Clock } from '../../core/platform/clock.js';
import { badRequest } from './errors.js';
import { requireRole } from './guard.js';

/** The unanswered questions shown are those of this many last days. */
const COUNT_DAYS = 30;
/** The most frequent unanswered questions listed, for the office to write answers to. */
const FREQUENT_SHOWN = 10;
const idParam = z.object({ id: z.string().uuid() });

/**
 * Admin-only: the office's FAQ (list, add, change, remove, replace all from CSV) and how many
 * questions it left unanswered, the most frequent listed. Every change reaches every bot process by the next question.
 */
export async function faqRoutes(app: FastifyInstance, opts: { faq: Faq; db: Db; now: Clock }): Promise<void> {
  const { faq } = opts;
  app.addHook('onRequest', requireRole('admin'));
  app.addContentTypeParser('text/csv', { parseAs: 'string' }, (_req, body, done) => done(null, body));

  app.get('/console/api/admin/faq', async () => {
    const since = new Date(opts.now().getTime() - COUNT_DAYS * 86_400_000);
    const [entries, counts, frequent] = await Promise.all([faq.list(), faq.unanswered(since), frequentUnanswered(opts.db, since, FREQUENT_SHOWN)]);
    return { entries, asked: { days: COUNT_DAYS, ...counts, frequent } };
  });

  app.post('/console/api/admin/faq', async (req, reply) => {
    const body = faqEntrySchema.safeParse(req.body);
    if (!body.success) return badRequest(reply, body.error);
    return reply.code(201).send(await faq.create(body.data));
  });

  app.put<{ Params: { id: string } }>('/console/api/admin/faq/:id', async (req, reply) => {
    const body = faqEntrySchema.safeParse(req.body);
    if (!body.success) return badRequest(reply, body.error);
    const id = idParam.safeParse(req.params);
    if (!id.success || !(await faq.update(id.data.id, body.data))) return reply.code(404).send({ error: 'no such FAQ entry' });
    return { ok: true };
  });

  app.delete<{ Params: { id: string } }>('/console/api/admin/faq/:id', async (req, reply) => {
    const id = idParam.safeParse(req.params);
    if (!id.success || !(await faq.remove(id.data.id))) return reply.code(404).send({ error: 'no such FAQ entry' });
    return { ok: true };
  });

  // The same CSV as `npm run faq:import`; it replaces the whole FAQ, or changes nothing.
  app.post('/console/api/admin/faq/import', async (req, reply) => {
    if (typeof req.body !== 'string') return reply.code(415).send({ error: 'send the FAQ as text/csv' });
    const { imported, errors } = await faq.importCsv(req.body);
    if (errors.length) return reply.code(400).send({ error: `${errors.length} error(s); the FAQ was not changed`, errors });
    return { imported };
  });
}
