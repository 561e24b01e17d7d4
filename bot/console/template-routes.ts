import type { FastifyInstance, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { templatesFor, templatesSchema } from '../../core/cases/templates.js';
import type { Db } from '../../core/platform/db.js';
import { badRequest } from './errors.js';
import { requireRole, type ConsoleStaff } from './guard.js';

/** Reply templates: admins edit the list; staff get those for a case they may see, filled in from it. */
export async function templateRoutes(app: FastifyInstance, opts: { db: Db; staffOf: (req: FastifyRequest) => ConsoleStaff }): Promise<void> {
  const { db } = opts;

  await app.register(async (admins) => {
    admins.addHook('onRequest', requireRole('admin'));
    admins.get('/console/api/admin/templates', async () => ({
      templates: await db.replyTemplate.findMany({ orderBy: [{ topic: 'asc' }, { kind: 'asc' }, { title: 'asc' }], select: { topic: true, kind: true, title: true, body: true } }),
    }));
    admins.put('/console/api/admin/templates', async (req, reply) => {
      const body = templatesSchema.safeParse(req.body);
      if (!body.success) return badRequest(reply, body.error);
      await db.$transaction([db.replyTemplate.deleteMany({}), db.replyTemplate.createMany({ data: body.data.templates })]);
      return { saved: body.data.templates.length };
    });
  });

  app.get<{ Params: { id: string } }>('/console/api/cases/:id/templates', async (req, reply) => {
    const staff = opts.staffOf(req);
    const found = z.string().uuid().safeParse(req.params.id).success ? await db.case.findUnique({ where: { id: req.params.id }, include: { region: { select: { name: true } } } }) : null;
    // Another department's case does not exist for a handler.
    if (!found || (staff.role === 'handler' && found.departmentId !== staff.departmentId)) return reply.code(404).send({ error: 'no such case' });
    // Signed like a reply: the author's department, or the supervision office.
    const department = await db.department.findFirst({ where: staff.departmentId ? { id: staff.departmentId } : { kind: 'supervision_office' }, select: { name: true } });
    return { templates: await templatesFor(db, found, department) };
  });
}
