import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { z } from 'zod';
import { departmentScope, type StaffActor } from '../../core/cases/actions.js';
import { casesSchema, closeSchema, listQuery, openSchema, type SupervisionProjects } from '../../core/projects/projects.js';
import { badRequest, refuse, sendRefusal } from './errors.js';
import { requireRole } from './guard.js';

/**
 * 专项督查: the supervision office opens, changes and closes projects; everyone signed in lists
 * them, a handler only those led by or holding cases of their department, with only those cases.
 */
export async function projectRoutes(app: FastifyInstance, opts: { projects: SupervisionProjects; staffOf: (req: FastifyRequest) => StaffActor }): Promise<void> {
  const { projects, staffOf } = opts;

  app.get('/console/api/projects', { config: { docs: { querystring: listQuery } } }, async (req, reply) => {
    const query = listQuery.safeParse(req.query);
    if (!query.success) return badRequest(reply, query.error);
    return projects.list(departmentScope(staffOf(req)), query.data.closedBefore);
  });

  app.get<{ Params: { id: string } }>('/console/api/projects/:id', async (req, reply) => {
    const project = await projects.get({ id: req.params.id }, departmentScope(staffOf(req)));
    return project ?? refuse(reply, 404, 'no such project', 'staffError.projectNotFound');
  });

  await app.register(async (office) => {
    office.addHook('onRequest', requireRole('admin', 'supervisor'));

    office.post('/console/api/projects', { config: { docs: { body: openSchema } } }, async (req, reply) => {
      const body = openSchema.safeParse(req.body ?? {});
      if (!body.success) return badRequest(reply, body.error);
      try {
        return reply.code(201).send(await projects.open(staffOf(req), body.data));
      } catch (err) {
        return sendRefusal(reply, err);
      }
    });

    // A change to a project answers with the project as it now stands.
    const change = <S extends z.ZodType>(path: string, schema: S, act: (staff: StaffActor, id: string, body: z.infer<S>) => Promise<void>) =>
      office.post<{ Params: { id: string } }>(path, { config: { docs: { body: schema } } }, async (req, reply) => {
        const body = schema.safeParse(req.body ?? {});
        if (!body.success) return badRequest(reply, body.error);
        try {
          await act(staffOf(req), req.params.id, body.data);
          return await projects.get({ id: req.params.id }, undefined);
        } catch (err) {
          return sendRefusal(reply, err);
        }
      });
    change('/console/api/projects/:id/cases', casesSchema, (staff, id, body) => projects.changeCases(staff, id, body));
    change('/console/api/projects/:id/close', closeSchema, (staff, id, body) => projects.close(staff, id, body.note));
  });
}
