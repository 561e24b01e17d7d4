import type { Middleware } from '../composer.js';
import { charLength } from '../text.js';

/** Empty and oversized messages get a polite answer before any flow sees them; the state is kept. */
export const inputGuards: Middleware = async (ctx, next) => {
  if (ctx.payload === undefined && ctx.text === '' && !ctx.inbound.location) {
    const kind = ctx.inbound.attachment?.kind;
    return ctx.reply(ctx.t(!kind ? 'input.empty' : kind === 'money' ? 'input.money' : kind === 'other' ? 'input.otherMedia' : 'input.unsupported'));
  }
  const max = ctx.deps.config.DESCRIPTION_MAX_CHARS;
  const length = charLength(ctx.text);
  if (length > max) return ctx.reply(ctx.t('input.tooLong', { length, max }));
  await next();
};
