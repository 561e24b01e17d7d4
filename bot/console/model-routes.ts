import type { FastifyInstance, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { DEFAULT_EVALUATION_CASES } from '../../core/nlp/topic-models.js';
import type { Db } from '../../core/platform/db.js';
import type { Queues } from '../../core/queues.js';
import { badRequest } from './errors.js';
import { requireRole, type ConsoleStaff } from './guard.js';

const retrainBody = z.object({ last: z.number().int().min(1).max(100_000).default(DEFAULT_EVALUATION_CASES) }).strict();
/** While one retraining waits or runs, asking again joins it rather than queueing another. */
const RETRAIN_JOB = 'retrain';
const HISTORY = 20;

/**
 * Admin-only: the topic model bots use (its figures on the corrected cases it was judged on), the
 * history of retrainings, accepted and refused, and a retraining as a job of the `nlp-train` queue.
 */
export async function modelRoutes(app: FastifyInstance, opts: { db: Db; queues: Pick<Queues, 'nlp-train'>; staffOf: (req: FastifyRequest) => ConsoleStaff }): Promise<void> {
  const { db } = opts;
  const queue = opts.queues['nlp-train'];
  app.addHook('onRequest', requireRole('admin'));

  app.get('/console/api/admin/model', async () => {
    const select = { id: true, createdAt: true, createdBy: true, trainedOn: true, figures: true, active: true, refusedReason: true } as const;
    const [active, history, waiting] = await Promise.all([
      db.topicModel.findFirst({ where: { active: true }, select }),
      db.topicModel.findMany({ orderBy: { createdAt: 'desc' }, take: HISTORY, select }),
      queue.getJobCountByTypes('waiting', 'active', 'delayed', 'prioritized'),
    ]);
    return { active, history, training: waiting > 0 };
  });

  app.post('/console/api/admin/model/retrain', { config: { docs: { body: retrainBody } } }, async (req, reply) => {
    const body = retrainBody.safeParse(req.body ?? {});
    if (!body.success) return badRequest(reply, body.error);
    const job = await queue.add(RETRAIN_JOB, { createdBy: opts.staffOf(req).username, last: body.data.last }, { deduplication: { id: RETRAIN_JOB } });
    return reply.code(202).send({ jobId: job.id });
  });
}
