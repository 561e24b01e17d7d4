import { heardText } from '../../../core/handoff/heard.js';
import type { Middleware } from '../composer.js';
import type { Context } from '../context.js';
import { answersCase } from './case-answers.js';

/** The message as the staff member reads it: words, a button in words, or what was attached. */
function heard(ctx: Context): string {
  if (ctx.text || ctx.payload) return heardText(ctx.lang, { text: ctx.text, payload: ctx.payload }, new Map(ctx.session.buttons.map((b) => [b.payload, b.label])));
  return `[${ctx.inbound.attachment?.kind ?? (ctx.inbound.location ? 'location' : 'message')}]`;
}

/**
 * While a member of staff holds the conversation each message goes to that person live (the
 * message log keeps it as always). The bot stays silent, except for answers to the case's own
 * questions (a rating, 补充情况, confirming a report): those reach the case, the bot answers
 * as usual, and the staff member sees that answer too.
 */
export const staffHolds: Middleware = async (ctx, next) => {
  const held = ctx.heldBy;
  if (!held) return next();
  await ctx.deps.handoff.residentSaid(held, heard(ctx));
  if (!(await answersCase(ctx))) return;
  await next();
  await ctx.deps.handoff.botSaid(held, ctx.replies.map((r) => r.text));
};
