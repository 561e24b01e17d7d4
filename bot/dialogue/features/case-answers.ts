import { z } from 'zod';
import { addInformation, rateCase, type ResidentOutcome } from '../../../core/cases/resident-actions.js';
import { parseCaseAnswer, type CaseAnswer } from '../../../core/cases/answer-payloads.js';
import { formatDate } from '../../../core/cases/describe.js';
import { languages, t, type TextKey } from '../../../core/i18n/index.js';
import type { Satisfaction } from '../../../core/platform/db.js';
import type { Middleware } from '../composer.js';
import type { Context } from '../context.js';
import type { Flow, FlowEngine } from '../flow.js';
import { meaningfulLength } from '../text.js';

const RATINGS = ['satisfied', 'basic', 'unsatisfied'] as const satisfies readonly Satisfaction[];
const caseData = z.object({ number: z.string() });
type CaseData = z.infer<typeof caseData>;

/** The bot's answer to each outcome that is not plain success. */
function refusal(ctx: Context, outcome: Exclude<ResidentOutcome, 'done'>, number: string, notOpen: 'info.notOpen' | 'sat.notOpen'): void {
  const key = { not_found: 'case.notYours', not_open: notOpen, already_rated: 'sat.already' } as const;
  ctx.reply(ctx.t(key[outcome], { number }));
}

/** A one-question flow about one case: the answer is free text of at least two letters. */
function caseQuestion(
  name: string,
  texts: { title: TextKey; hint: TextKey; ask: TextKey; retry: TextKey },
  finish: (ctx: Context, number: string) => Promise<void>,
): Flow<CaseData> {
  return {
    name,
    schema: caseData,
    steps: [
      {
        id: 'answer',
        title: texts.title,
        hint: texts.hint,
        prompt: (ctx, data) => ({ text: ctx.t(texts.ask, { number: data.number }) }),
        read(ctx) {
          if (meaningfulLength(ctx.text) < 2) return { kind: 'retry', reply: { text: ctx.t(texts.retry) } };
          return { kind: 'next', patch: {} };
        },
      },
    ],
    finish: (ctx, { number }) => finish(ctx, number),
  };
}

/** The resident's extra detail for a case that asked for it (the "补充情况" button). */
export const addInfoFlow = caseQuestion('addInfo', { title: 'case.addInfo', hint: 'info.hint', ask: 'info.ask', retry: 'info.tooShort' }, async (ctx, number) => {
  const regionCode = ctx.deps.catalog.matchRegion(ctx.text)?.code ?? null;
  const outcome = await addInformation(ctx.deps, { residentId: ctx.session.residentId, number, text: ctx.text, regionCode });
  if (outcome === 'done') return ctx.reply(ctx.t('info.thanks', { number }));
  refusal(ctx, outcome, number, 'info.notOpen');
});

/** Why the resident is not satisfied; the case is reopened with it. */
export const rateReasonFlow = caseQuestion('rateReason', { title: 'sat.unsatisfied', hint: 'sat.hint', ask: 'sat.askReason', retry: 'sat.hint' }, async (ctx, number) => {
  const outcome = await rateCase(ctx.deps, { residentId: ctx.session.residentId, number, rating: 'unsatisfied', reason: ctx.text });
  if (outcome !== 'done') return refusal(ctx, outcome, number, 'sat.notOpen');
  const found = await ctx.deps.db.case.findUniqueOrThrow({ where: { number } });
  const deadline = found.deadline ? formatDate(found.deadline, ctx.deps.config.TIMEZONE) : ctx.t('status.noDeadline');
  ctx.reply(ctx.t('sat.reopened', { number, deadline }));
});

async function rate(ctx: Context, engine: FlowEngine, number: string, rating: Satisfaction): Promise<void> {
  if (rating === 'unsatisfied') return engine.start(ctx, 'rateReason', { data: { number } });
  const outcome = await rateCase(ctx.deps, { residentId: ctx.session.residentId, number, rating });
  if (outcome === 'done') return ctx.reply(ctx.t('sat.thanks', { number }));
  refusal(ctx, outcome, number, 'sat.notOpen');
}

/**
 * A typed rating or "补充情况" without a button (channels that show buttons as text, or a
 * notification that arrived after the last turn): it answers the one case waiting for it.
 */
async function typedAnswer(ctx: Context): Promise<CaseAnswer | undefined> {
  const typed = ctx.text.toLowerCase();
  const label = (key: Parameters<typeof t>[1]) => languages.some((lang) => t(lang, key).toLowerCase() === typed);
  const rating = RATINGS.find((r) => label(`sat.${r}`));
  const info = label('case.addInfo');
  if (!rating && !info) return undefined;
  const waiting = await ctx.deps.db.case.findMany({
    where: { residentId: ctx.session.residentId, ...(rating ? { status: 'resolved', satisfaction: null } : { status: 'needs_info' }) },
    select: { number: true },
    take: 2,
  });
  if (waiting.length !== 1) return undefined;
  const number = waiting[0]!.number;
  return rating ? { kind: 'rate', number, rating } : { kind: 'info', number };
}

/** The case answer this message is: a pressed button's, or a label typed with no dialogue running. */
async function caseAnswerOf(ctx: Context): Promise<CaseAnswer | undefined> {
  if (ctx.payload !== undefined) return parseCaseAnswer(ctx.payload);
  return ctx.session.flow ? undefined : typedAnswer(ctx);
}

/**
 * Whether this message answers a question of the case's own: a rating or "补充情况", the words
 * that follow them, or the confirmation of a report being written. These reach the case even
 * while staff hold the conversation.
 */
export async function answersCase(ctx: Context): Promise<boolean> {
  const flow = ctx.session.flow;
  if (flow?.name === addInfoFlow.name || flow?.name === rateReasonFlow.name) return true;
  // The report flow's last step (flows/report.ts), answered with its button.
  if (flow?.name === 'report' && flow.step === 'confirm' && ctx.payload === 'confirm') return true;
  return (await caseAnswerOf(ctx)) !== undefined;
}

/** Answers to notifications: rating a resolved case, adding the information a case asked for. */
export function caseAnswers(engine: FlowEngine): Middleware {
  return async (ctx, next) => {
    const answer = await caseAnswerOf(ctx);
    switch (answer?.kind) {
      case 'rate':
        // An answer that needs words of its own takes over from a report being written.
        if (answer.rating === 'unsatisfied') return rate(ctx, engine, answer.number, answer.rating);
        await rate(ctx, engine, answer.number, answer.rating);
        // A report being written meanwhile goes on where it was.
        return engine.repeat(ctx);
      case 'info':
        return engine.start(ctx, 'addInfo', { data: { number: answer.number } });
      default:
        return next();
    }
  };
}
