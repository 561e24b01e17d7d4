import { detectUrgency, isGibberish } from '../../../nlp-models/index.js';
import type { Middleware } from '../composer.js';
import type { FlowEngine } from '../flow.js';
import { meaningfulLength } from '../text.js';
import { requestHandoff } from '../request-handoff.js';
import { showMenu } from './menu.js';

/** With no flow running: the menu, starting a report, small talk, or a report written straight away. */
export function idle(engine: FlowEngine): Middleware {
  return async (ctx) => {
    const misses = ctx.session.misses;
    ctx.session.misses = 0;
    if (ctx.payload === 'menu' || ctx.intent === 'greet') return showMenu(ctx, ctx.t('menu.greeting'));
    if (ctx.payload === 'menu:report' || ctx.intent === 'report') return engine.start(ctx, 'report');
    if (ctx.intent === 'thanks') return ctx.reply(ctx.t('chat.thanks'));
    if (ctx.intent === 'out_of_scope') return showMenu(ctx, ctx.t('chat.outOfScope'));
    // A button from a finished dialogue (its flow has ended) is stale; say so rather than misread it.
    if (ctx.inbound.payload !== undefined) return showMenu(ctx, ctx.t('input.staleChoice'));
    const min = ctx.deps.config.DESCRIPTION_MIN_CHARS;
    // Nonsense ("asdfgh qwerty 啊啊啊") starts no report: it is not understood, like a short message.
    if (meaningfulLength(ctx.text) >= min && !isGibberish(ctx.text)) return engine.start(ctx, 'report', { answerNow: true });
    // Too short to be a report but a cry for help ("救命", "不想活了"): a person, now.
    const urgency = detectUrgency(ctx.text, { now: ctx.deps.now(), timeZone: ctx.deps.config.TIMEZONE });
    if (urgency.urgent) return requestHandoff(ctx, 'urgent', urgency.signals.includes('distress'));
    // The second message in a row the bot cannot place goes to a person.
    if (misses >= 1) return requestHandoff(ctx, 'not_understood');
    ctx.session.misses = misses + 1;
    showMenu(ctx, ctx.t('input.notUnderstood', { min }));
  };
}
