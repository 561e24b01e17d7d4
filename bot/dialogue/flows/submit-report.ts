import type { Context } from '../context.js';
import type { ReportDraft } from './report-draft.js';

/**
 * The confirmed report is written to PostgreSQL before anything else (the outbox), then queued
 * with its id as the job id. If queueing fails the reconciler queues it later: nothing is lost.
 */
export async function submitReport(ctx: Context, draft: ReportDraft): Promise<void> {
  const { db, queues, log } = ctx.deps;
  const best = draft.candidates?.find((c) => c.label === draft.topic);
  const submission = await db.submission.create({
    data: {
      residentId: ctx.session.residentId,
      conversationId: ctx.session.conversationId,
      channel: ctx.inbound.channel,
      language: ctx.lang,
      description: draft.description ?? '',
      topic: draft.topic ?? null,
      topicConfidence: best?.score ?? null,
      placeText: draft.placeText ?? null,
      regionCode: draft.regionCode ?? null,
      phone: draft.phone ?? null,
      occurredOn: draft.occurredOn ? new Date(draft.occurredOn) : null,
      urgent: draft.urgent ?? false,
      // The reconciler compares this with the same clock.
      createdAt: ctx.deps.now(),
    },
  });
  if (draft.attachments?.length) {
    await db.attachment.updateMany({ where: { id: { in: draft.attachments } }, data: { submissionId: submission.id } });
  }
  if (draft.phone) {
    await db.resident.update({ where: { id: ctx.session.residentId }, data: { phone: draft.phone } });
  }
  try {
    await queues.intake.add('intake', { submissionId: submission.id }, { jobId: submission.id });
  } catch (err) {
    log.warn({ err, submissionId: submission.id }, 'could not queue submission; the reconciler will');
  }
  log.info({ submissionId: submission.id, channel: ctx.inbound.channel }, 'report submitted');
  ctx.reply(ctx.t('report.submitted', { receipt: submission.id.slice(0, 8).toUpperCase() }));
}
