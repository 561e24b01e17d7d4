import type { FastifyInstance, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { pastAnswers } from '../../core/cases/past-answers.js';
import type { StaffActor } from '../../core/cases/actions.js';
import type { Sql } from '../../core/platform/sql.js';
import { departmentScope } from './cases-routes.js';
import { refuse } from './errors.js';

/** 过往答复: the closed cases most like a case the member of staff may see, with their answers and ratings. */
export async function similarRoutes(app: FastifyInstance, opts: { sql: Sql; staffOf: (req: FastifyRequest) => StaffActor }): Promise<void> {
  app.get<{ Params: { id: string } }>('/console/api/cases/:id/similar', async (req, reply) => {
    const id = z.string().uuid().safeParse(req.params.id);
    const similar = id.success ? await pastAnswers(opts.sql, id.data, departmentScope(opts.staffOf(req))) : null;
    // Another department's case does not exist for a handler.
    if (!similar) return refuse(reply, 404, 'no such case', 'staffError.caseNotFound');
    return { similar };
  });
}
