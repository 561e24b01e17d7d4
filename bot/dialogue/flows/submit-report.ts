import { fileReport } from '../../../core/outbox.js';
import type { Context } from '../context.js';
import type { ReportDraft } from './report-draft.js';

/**
 * Files the confirmed report through the outbox. A second confirm of the same draft (the first
 * turn failed after filing it, so the resident still sees the summary) files nothing new. The
 * resident is told the report is being registered, with no number: the one number they get and
 * quote is the case number, sent as soon as intake makes the case.
 */
export async function submitReport(ctx: Context, draft: ReportDraft): Promise<void> {
  const best = draft.candidates?.find((c) => c.label === draft.topic);
  const { submissionId, created } = await fileReport(ctx.deps, {
    submission: {
      draftId: draft.draftId ?? null,
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
      occurredOn: draft.occurredOn ?? null,
      urgent: draft.urgent ?? false,
    },
    attachments: draft.attachments,
  });
  if (created) ctx.deps.log.info({ submissionId, channel: ctx.inbound.channel }, 'report submitted');
  ctx.reply(ctx.t('report.submitted'));
}
