import { UnrecoverableError } from 'bullmq';
import { Prisma } from '../bot/platform/db.js';
import { nextCaseNumber } from './cases/case-number.js';
import type { WorkerDeps } from './deps.js';
import type { JobData } from './queues.js';

/**
 * Submission → case. Idempotent on the submission id: the case has a unique submissionId, and
 * the case, its number and its first event are written in one transaction, so a worker that dies
 * half-way leaves nothing behind and the retry creates exactly one case.
 */
export async function processIntake(deps: WorkerDeps, { submissionId }: JobData<'intake'>): Promise<string> {
  const { db, config, queues, log } = deps;
  const submission = await db.submission.findUnique({ where: { id: submissionId }, include: { case: true } });
  if (!submission) throw new UnrecoverableError(`submission ${submissionId} does not exist`);
  let created = submission.case;
  if (!created) {
    try {
      created = await db.$transaction(async (tx) => {
        const number = await nextCaseNumber(tx, config.CASE_NUMBER_PREFIX, deps.now(), config.TIMEZONE);
        const row = await tx.case.create({
          data: {
            number,
            submissionId,
            residentId: submission.residentId,
            topic: submission.topic,
            topicConfidence: submission.topicConfidence,
            description: submission.description,
            placeText: submission.placeText,
            regionCode: submission.regionCode,
            occurredOn: submission.occurredOn,
            priority: submission.urgent ? 'urgent' : 'normal',
          },
        });
        await tx.caseEvent.create({ data: { caseId: row.id, type: 'created', actor: 'system:intake', data: { number } } });
        return row;
      });
      log.info({ caseNumber: created.number, submissionId }, 'case created');
    } catch (err) {
      // Another worker created it a moment ago: use theirs.
      if (!(err instanceof Prisma.PrismaClientKnownRequestError && err.code === 'P2002')) throw err;
      created = await db.case.findUniqueOrThrow({ where: { submissionId } });
    }
  }
  await queues.route.add('route', { caseId: created.id }, { jobId: `route-${created.id}` });
  return created.number;
}
