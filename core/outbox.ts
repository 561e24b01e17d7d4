import { encodeFeatures, featuresOf } from './cases/similarity.js';
import type { Clock } from './platform/clock.js';
import { Prisma, type Db, type Submission, type Tx } from './platform/db.js';
import type { Logger } from './platform/log.js';
import type { Queues } from './queues.js';

export type OutboxDeps = { db: Db; queues: Pick<Queues, 'intake'>; log: Logger; now: Clock };

export type Filing = {
  /** The report as confirmed; with a `draftId`, filing the same draft again files nothing new. */
  submission: Omit<Prisma.SubmissionUncheckedCreateInput, 'id' | 'createdAt' | 'attachments' | 'case' | 'features'>;
  /** Photos and files already stored, now attached to the report. */
  attachments?: string[];
  /** The caller's own writes that belong with the report (e.g. the handoff it came from). */
  also?: (tx: Tx, submission: Submission) => Promise<unknown>;
};

/**
 * Every path that files a report comes here (the outbox). One transaction writes the report,
 * its attachments, the resident's phone and the caller's own rows: on any failure nothing is
 * kept and the report may simply be filed again. Then the intake is queued with the report's id
 * as job id; when Redis refuses it, the reconciler queues it later, so that is no error for the
 * resident or staff. Returns the report and whether this call created it.
 */
export async function fileReport(deps: OutboxDeps, filing: Filing): Promise<{ submission: Submission; created: boolean }> {
  const { db, queues, log } = deps;
  const { draftId } = filing.submission;
  // No look for an earlier filing first: the draft's unique id finds it below, and the common
  // case (the first confirm) saves a query.
  let submission: Submission;
  try {
    submission = await db.$transaction(async (tx) => {
      // The reconciler compares this with the same clock.
      // The features here, as the resident confirms, rather than in the intake's serial path.
      const features = encodeFeatures(featuresOf(filing.submission.description));
      const created = await tx.submission.create({ data: { ...filing.submission, features, createdAt: deps.now() } });
      if (filing.attachments?.length) {
        await tx.attachment.updateMany({ where: { id: { in: filing.attachments } }, data: { submissionId: created.id } });
      }
      // Kept for the resident's next report.
      if (created.phone) await tx.resident.update({ where: { id: created.residentId }, data: { phone: created.phone } });
      await filing.also?.(tx, created);
      return created;
    });
  } catch (err) {
    // The same draft filed before (or twice at the same moment): the unique draft id kept the other one.
    if (!(draftId && err instanceof Prisma.PrismaClientKnownRequestError && err.code === 'P2002')) throw err;
    return { submission: await db.submission.findUniqueOrThrow({ where: { draftId } }), created: false };
  }
  try {
    await queues.intake.add('intake', { submissionId: submission.id }, { jobId: submission.id });
  } catch (err) {
    log.warn({ err, submissionId: submission.id }, 'could not queue submission; the reconciler will');
  }
  return { submission, created: true };
}
