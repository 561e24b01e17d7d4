import type { FastifyInstance, FastifyRequest } from 'fastify';
import { pastAnswers } from '../../core/cases/past-answers.js';
import { departmentScope, type StaffActor } from '../../core/cases/actions.js';
import type { Sql } from '../../core/platform/sql.js';
import { refuse } from './errors.js';
import { isUuid } from '../../core/platform/ids.js';

/** 过往答复: the closed cases most like a case the member of staff may see, with their answers and ratings. */
export async function similarRoutes(app: FastifyInstance, opts: { sql: Sql; staffOf: (req: FastifyRequest) => StaffActor }): Promise<void> {
  app.get<{ Params: { id: string } }>('/console/api/cases/:id/similar', async (req, reply) => {
    const { id } = req.params;
    const similar = isUuid(id) ? await pastAnswers(opts.sql, id, departmentScope(opts.staffOf(req))) : null;
    // Another department's case does not exist for a handler.
    if (!similar) return refuse(reply, 404, 'no such case', 'staffError.caseNotFound');
    return { similar };
  });
}
