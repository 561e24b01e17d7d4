import type { HandoffReason } from '../../core/platform/db.js';
import type { Context } from './context.js';

/** Puts the resident in the staff queue and tells them where they stand, or when staff are back. */
export async function requestHandoff(ctx: Context, reason: HandoffReason, distress = false): Promise<void> {
  const { fresh, position, office } = await ctx.deps.handoff.request({
    residentId: ctx.session.residentId,
    conversationId: ctx.session.conversationId,
    reason,
  });
  ctx.deps.log.info({ conversationId: ctx.session.conversationId, reason }, 'resident handed to staff');
  const ahead = position - 1;
  // "0 ahead of you" reads like a mistake: the first in line is told they are next.
  const queue = ahead > 0 ? ctx.t('handoff.ahead', { ahead }) : ctx.t('handoff.next');
  if (distress) return ctx.reply(ctx.t('handoff.distress', { queue }));
  if (!office.open) return ctx.reply(ctx.t('handoff.closed', { back: office.back }), [ctx.button('handoff.leaveReport', 'menu:report')]);
  if (!fresh) return ctx.reply(ctx.t('handoff.stillWaiting', { queue }));
  const key = reason === 'urgent' ? 'handoff.urgent' : reason === 'not_understood' ? 'handoff.notUnderstood' : 'handoff.queued';
  ctx.reply(ctx.t(key, { queue }));
}
