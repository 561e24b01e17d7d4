import type { HandoffReason } from '../../platform/db.js';
import type { Middleware } from '../composer.js';
import type { Context } from '../context.js';

/**
 * While a member of staff holds the conversation the bot says nothing: each message goes to
 * that person live (the message log keeps it as always).
 */
export const staffHolds: Middleware = async (ctx, next) => {
  const held = await ctx.deps.handoff.heldBy(ctx.inbound.channel, ctx.inbound.userId);
  if (!held) return next();
  const kind = ctx.inbound.attachment?.kind ?? (ctx.inbound.location ? 'location' : 'message');
  const text = ctx.text || (ctx.inbound.payload ? `[${ctx.inbound.payload}]` : `[${kind}]`);
  await ctx.deps.handoff.residentSaid(held, text);
};

/** Puts the resident in the staff queue and tells them where they stand, or when staff are back. */
export async function requestHandoff(ctx: Context, reason: HandoffReason, distress = false): Promise<void> {
  const { fresh, position, office } = await ctx.deps.handoff.request({
    residentId: ctx.session.residentId,
    conversationId: ctx.session.conversationId,
    reason,
  });
  ctx.deps.log.info({ conversationId: ctx.session.conversationId, reason }, 'resident handed to staff');
  const ahead = position - 1;
  if (distress) return ctx.reply(ctx.t('handoff.distress', { ahead }));
  if (!office.open) return ctx.reply(ctx.t('handoff.closed', { back: office.back }), [ctx.button('handoff.leaveReport', 'menu:report')]);
  if (!fresh) return ctx.reply(ctx.t('handoff.stillWaiting', { ahead }));
  const key = reason === 'urgent' ? 'handoff.urgent' : reason === 'not_understood' ? 'handoff.notUnderstood' : 'handoff.queued';
  ctx.reply(ctx.t(key, { ahead }));
}
