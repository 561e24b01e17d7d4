import { detectUrgency, isGibberish, looksLikeQuestion } from '../../../nlp-models/index.js';
import { deadlineDays } from '../../../core/faq/faq.js';
import type { Middleware } from '../composer.js';
import { Context } from '../context.js';
import type { FlowEngine } from '../flow.js';
import { meaningfulLength } from '../text.js';
import { showMenu } from './menu.js';

async function reportIt(ctx: Context, engine: FlowEngine, question: string | undefined): Promise<void> {
  if (question === undefined || meaningfulLength(question) < ctx.deps.config.DESCRIPTION_MIN_CHARS) return engine.start(ctx, 'report');
  // The question becomes the description, read as if the resident had just typed it.
  const asTyped = new Context({ ...ctx.inbound, text: question, payload: undefined }, ctx.session, ctx.deps, ctx.heldBy);
  await engine.start(asTyped, 'report', { answerNow: true });
  ctx.replies.push(...asTyped.replies);
}

/**
 * Questions (咨询) answered from the office's FAQ before anything is filed. With no flow running,
 * a short message worded as a question gets the best FAQ answer with 有帮助 / 仍要反映问题; the
 * latter starts the report with the question as its description. A question no entry answers
 * is counted for the office and read as before (a report, or not understood when too short).
 */
export function faqAnswers(engine: FlowEngine): Middleware {
  return async (ctx, next) => {
    const { faq, config } = ctx.deps;
    const asked = ctx.session.faq;
    ctx.session.faq = undefined;
    if (ctx.payload === 'faq:helpful') {
      if (asked) await faq.record('helpful', asked.entryId);
      return showMenu(ctx, ctx.t('faq.thanks'));
    }
    if (ctx.payload === 'faq:report') {
      if (asked) await faq.record('not_helped', asked.entryId, asked.question);
      return reportIt(ctx, engine, asked?.question);
    }
    const text = ctx.text;
    if (ctx.payload !== undefined || ctx.intent || !looksLikeQuestion(text) || isGibberish(text)) return next();
    // A cry for help worded as a question goes where it went before: never a canned answer.
    if (detectUrgency(text, { now: ctx.deps.now(), timeZone: config.TIMEZONE }).urgent) return next();
    const answer = await faq.answer(text, ctx.lang, deadlineDays(config));
    if (!answer) {
      await faq.record('unmatched', undefined, text);
      return next();
    }
    await faq.record('answered', answer.entryId);
    ctx.session.faq = { question: text, entryId: answer.entryId };
    ctx.session.misses = 0;
    ctx.reply(answer.text, [ctx.button('faq.helpful', 'faq:helpful'), ctx.button('faq.report', 'faq:report')]);
  };
}
