import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { placeholderProblem, previewTemplate, templateProblem, templateSchema, templatesSchema, usableTemplates, type TemplateInput } from '../../core/cases/templates.js';
import type { Clock } from '../../core/platform/clock.js';
import type { Config } from '../../core/platform/config.js';
import type { Db } from '../../core/platform/db.js';
import { badRequest, refuse } from './errors.js';
import { requireRole, type ConsoleStaff } from './guard.js';

const idParam = z.object({ id: z.string().uuid() });
const previewSchema = z.object({ body: templateSchema.shape.body });
const FIELDS = { id: true, topic: true, kind: true, title: true, body: true } as const;
const noSuchTemplate = (reply: FastifyReply) => refuse(reply, 404, 'no such template', 'staffError.noSuchTemplate');

/**
 * Reply templates: the supervision office and admins keep the list (one at a time, or the whole
 * list at once); staff get those they can use on a case they may see, filled in from it.
 */
export async function templateRoutes(app: FastifyInstance, opts: { db: Db; config: Config; now: Clock; staffOf: (req: FastifyRequest) => ConsoleStaff }): Promise<void> {
  const { db, config } = opts;

  /** Whether the templates may be saved; when not, the refusal has been sent. */
  async function checked(reply: FastifyReply, templates: TemplateInput[]): Promise<boolean> {
    const problem = await templateProblem(db, templates);
    if (problem) refuse(reply, 400, problem.error, problem.key, problem.params);
    return !problem;
  }

  await app.register(async (editors) => {
    editors.addHook('onRequest', requireRole('admin', 'supervisor'));
    editors.get('/console/api/admin/templates', async () => ({
      templates: await db.replyTemplate.findMany({ orderBy: [{ topic: 'asc' }, { kind: 'asc' }, { title: 'asc' }], select: FIELDS }),
    }));
    editors.put('/console/api/admin/templates', { config: { docs: { body: templatesSchema } } }, async (req, reply) => {
      const body = templatesSchema.safeParse(req.body);
      if (!body.success) return badRequest(reply, body.error);
      if (!(await checked(reply, body.data.templates))) return reply;
      await db.$transaction([db.replyTemplate.deleteMany({}), db.replyTemplate.createMany({ data: body.data.templates })]);
      return { saved: body.data.templates.length };
    });
    editors.post('/console/api/admin/templates', { config: { docs: { body: templateSchema } } }, async (req, reply) => {
      const body = templateSchema.safeParse(req.body);
      if (!body.success) return badRequest(reply, body.error);
      if (!(await checked(reply, [body.data]))) return reply;
      return reply.code(201).send({ template: await db.replyTemplate.create({ data: body.data, select: FIELDS }) });
    });
    editors.put<{ Params: { id: string } }>('/console/api/admin/templates/:id', { config: { docs: { body: templateSchema } } }, async (req, reply) => {
      const id = idParam.safeParse(req.params);
      if (!id.success) return noSuchTemplate(reply);
      const body = templateSchema.safeParse(req.body);
      if (!body.success) return badRequest(reply, body.error);
      if (!(await checked(reply, [body.data]))) return reply;
      const { count } = await db.replyTemplate.updateMany({ where: { id: id.data.id }, data: body.data });
      if (!count) return noSuchTemplate(reply);
      return { template: await db.replyTemplate.findUniqueOrThrow({ where: { id: id.data.id }, select: FIELDS }) };
    });
    editors.delete<{ Params: { id: string } }>('/console/api/admin/templates/:id', async (req, reply) => {
      const id = idParam.safeParse(req.params);
      const { count } = id.success ? await db.replyTemplate.deleteMany({ where: { id: id.data.id } }) : { count: 0 };
      if (!count) return noSuchTemplate(reply);
      return { ok: true };
    });
    // What the editor shows while one types: the text with sample values, or why it cannot be saved.
    editors.post('/console/api/admin/templates/preview', { config: { docs: { body: previewSchema } } }, async (req, reply) => {
      const body = previewSchema.safeParse(req.body);
      if (!body.success) return badRequest(reply, body.error);
      const problem = placeholderProblem(body.data.body);
      if (problem) return refuse(reply, 400, problem.error, problem.key, problem.params);
      return { text: await previewTemplate(db, opts.staffOf(req), body.data.body, { prefix: config.CASE_NUMBER_PREFIX, now: opts.now(), timeZone: config.TIMEZONE }) };
    });
  });

  app.get<{ Params: { id: string } }>('/console/api/cases/:id/templates', async (req, reply) => {
    const templates = idParam.safeParse(req.params).success ? await usableTemplates(db, opts.staffOf(req), { id: req.params.id }) : null;
    // Another department's case does not exist for a handler.
    if (!templates) return refuse(reply, 404, 'no such case', 'staffError.caseNotFound');
    return { templates };
  });
}
