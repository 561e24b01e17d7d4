import { UnrecoverableError } from 'bullmq';
import { mentionsOutage } from '../nlp-models/index.js';
import { Prisma, type Case, type Tx } from '../core/platform/db.js';
import { departmentFacts } from '../core/cases/assignment.js';
import { nextCaseNumber } from '../core/cases/case-number.js';
import { findDuplicate, type DuplicateTarget } from '../core/cases/duplicates.js';
import { queueNotifications, queueRoute } from '../core/cases/follow-up.js';
import { screen, type Screening } from '../core/cases/screening.js';
import { transition } from '../core/cases/status-machine.js';
import type { WorkerDeps } from './deps.js';
import type { JobData } from '../core/queues.js';

const ACTOR = 'system:intake';

/** The screening verdict as a status change with its event. */
function applyScreening(tx: Tx, row: Case, verdict: Screening, at: Date) {
  switch (verdict.verdict) {
    case 'accept':
      return transition(tx, row, { to: 'accepted', actor: ACTOR, at });
    case 'needs_info':
      return transition(tx, row, { to: 'needs_info', actor: ACTOR, at, data: { missing: verdict.missing } });
    case 'reject':
      return transition(tx, row, { to: 'rejected', actor: ACTOR, at, data: { reason: verdict.reason } });
  }
}

/**
 * 并单: the case follows an open case about the same problem, with its department and deadline,
 * instead of being routed a second time.
 */
async function merge(tx: Tx, row: Case, primary: DuplicateTarget, at: Date) {
  const department = primary.departmentId ? await tx.department.findUnique({ where: { id: primary.departmentId } }) : null;
  // The open case is itself still waiting for a department: this one is routed on its own.
  if (!department || department.kind === 'supervision_office') return;
  await transition(tx, row, {
    to: 'assigned',
    type: 'merged',
    actor: ACTOR,
    at,
    deadline: primary.deadline,
    set: { duplicateOfId: primary.id, departmentId: department.id },
    data: { ...departmentFacts(department, primary.deadline), primary: primary.number, similarity: Math.round(primary.similarity * 100) / 100 },
  });
}

/**
 * Submission → screened case. Idempotent on the submission id: the case (unique submissionId),
 * its number, its first event and the screening verdict are written in one transaction, so a
 * worker that dies half-way leaves nothing behind and the retry creates exactly one case. What
 * follows (telling the resident, routing) is queued from the stored events, on every attempt.
 */
export async function processIntake(deps: WorkerDeps, { submissionId }: JobData<'intake'>): Promise<string> {
  const { db, config, queues, log } = deps;
  const submission = await db.submission.findUnique({ where: { id: submissionId }, include: { case: true } });
  if (!submission) throw new UnrecoverableError(`submission ${submissionId} does not exist`);
  let created = submission.case;
  if (!created) {
    try {
      created = await db.$transaction(async (tx) => {
        const at = deps.now();
        const number = await nextCaseNumber(tx, config.CASE_NUMBER_PREFIX, at, config.TIMEZONE);
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
            // A cut-off supply hurts many at once: high priority even when it is not (yet) a danger.
            priority: submission.urgent ? 'urgent' : mentionsOutage(submission.description) ? 'high' : 'normal',
            createdAt: at,
          },
        });
        await tx.caseEvent.create({ data: { caseId: row.id, type: 'created', actor: ACTOR, toStatus: 'received', data: { number }, at } });
        const screened = await applyScreening(tx, row, screen(submission, config.SCREEN_MIN_DETAIL_CHARS), at);
        if (screened.toStatus === 'accepted') {
          const same = await findDuplicate(tx, row, { windowDays: config.DUPLICATE_WINDOW_DAYS, threshold: config.DUPLICATE_SIMILARITY });
          if (same) await merge(tx, { ...row, status: 'accepted' }, same, at);
        }
        return tx.case.findUniqueOrThrow({ where: { id: row.id } });
      });
      log.info({ caseNumber: created.number, submissionId, status: created.status }, 'case created');
    } catch (err) {
      // Another worker created it a moment ago: use theirs.
      if (!(err instanceof Prisma.PrismaClientKnownRequestError && err.code === 'P2002')) throw err;
      created = await db.case.findUniqueOrThrow({ where: { submissionId } });
    }
  }
  const events = await db.caseEvent.findMany({ where: { caseId: created.id, actor: ACTOR }, orderBy: { at: 'asc' } });
  await queueNotifications(queues, events);
  const accepted = events.find((e) => e.type === 'accepted');
  if (created.status === 'accepted' && accepted) await queueRoute(queues, created.id, accepted);
  return created.number;
}
