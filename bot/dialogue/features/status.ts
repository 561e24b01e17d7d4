import { z } from 'zod';
import { findCaseNumber, readCaseNumber, type Intent } from '../../../nlp-models/index.js';
import { departmentName, eventText, formatDate, formatDateTime, isOnResidentTimeline, statusText } from '../../../core/cases/describe.js';
import type { Middleware } from '../composer.js';
import type { Context } from '../context.js';
import type { Flow, FlowEngine } from '../flow.js';

const STATUS_PREFIX = /^(查询|查一下|status|query|track)\s*[:：]?\s*/i;
// At the case-number question these mean something else: the question is left and they are answered.
const LEAVE_STATUS = new Set<Intent>(['report', 'thanks', 'out_of_scope']);
const MAX_LISTED = 10;

/** Shows a case: everything to its own resident; to anyone else only that it exists, its status and date. */
export async function showCase(ctx: Context, number: string): Promise<void> {
  const { db, config } = ctx.deps;
  const tz = config.TIMEZONE;
  const found = await db.case.findUnique({
    where: { number },
    include: { department: true, events: { orderBy: { at: 'asc' } } },
  });
  if (!found) return ctx.reply(ctx.t('status.notFound', { number }));
  const status = statusText(found.status, ctx.lang);
  if (found.residentId !== ctx.session.residentId) {
    return ctx.reply(ctx.t('status.other', { number, status, updated: formatDate(found.updatedAt, tz) }));
  }
  const notGiven = ctx.t('report.notGiven');
  const attachments = await db.attachment.count({ where: { submissionId: found.submissionId } });
  ctx.reply(
    ctx.t('status.own', {
      number,
      status,
      topic: found.topic ? ctx.deps.catalog.topicLabel(found.topic, ctx.lang) : ctx.t('report.unknownTopic'),
      place: found.placeText ?? notGiven,
      department: found.department ? departmentName(found.department, ctx.lang) : ctx.t('status.unassigned'),
      deadline: found.deadline ? formatDate(found.deadline, tz) : ctx.t('status.noDeadline'),
      description: found.description,
      attachments: attachments ? String(attachments) : ctx.t('attach.none'),
      timeline: found.events.filter(isOnResidentTimeline).map((e) => `${formatDateTime(e.at, tz)}  ${eventText(e, ctx.lang, tz)}`).join('\n'),
    }),
  );
}

export async function listMyCases(ctx: Context): Promise<void> {
  const { db, config } = ctx.deps;
  const residentId = ctx.session.residentId;
  const [cases, pending] = await Promise.all([
    db.case.findMany({ where: { residentId }, orderBy: { createdAt: 'desc' }, take: MAX_LISTED }),
    db.submission.count({ where: { residentId, case: null } }),
  ]);
  if (pending > 0) ctx.reply(ctx.t('status.pending', { count: pending }));
  if (cases.length === 0) {
    if (pending === 0) ctx.reply(ctx.t('status.none'));
    return;
  }
  const list = cases
    .map((c) =>
      ctx.t('status.listItem', { number: c.number, status: statusText(c.status, ctx.lang), date: formatDate(c.createdAt, config.TIMEZONE) }),
    )
    .join('\n');
  ctx.reply(
    ctx.t('status.list', { count: cases.length, list }),
    cases.map((c) => ({ label: c.number, payload: `status:${c.number}` })),
  );
}

/** Reads a case number (or a malformed attempt at one) and answers. */
async function answerNumber(ctx: Context, raw: string): Promise<void> {
  const number = findCaseNumber(raw, ctx.deps.config.CASE_NUMBER_PREFIX);
  if (number) return showCase(ctx, number);
  ctx.reply(ctx.t('status.malformed', { value: raw.slice(0, 40) }), [ctx.button('menu.myCases', 'mycases')]);
}

/** "查询进度" without a number: one step that asks for it. */
export const statusFlow: Flow<Record<string, never>> = {
  name: 'status',
  schema: z.object({}).strict() as unknown as z.ZodType<Record<string, never>>,
  steps: [
    {
      id: 'number',
      title: 'menu.status',
      hint: 'status.hint',
      prompt: (ctx) => ({ text: ctx.t('status.ask'), buttons: [ctx.button('menu.myCases', 'mycases')] }),
      // Words with no number in them ("你好") are no wrong number: the question is asked again,
      // and a greeting is no failure to understand.
      read: (ctx) =>
        readCaseNumber(ctx.text, ctx.deps.config.CASE_NUMBER_PREFIX).kind === 'none'
          ? { kind: 'retry', reply: { text: ctx.t('status.askAgain'), buttons: [ctx.button('menu.myCases', 'mycases')] }, ...(ctx.intent === 'greet' && { miss: false as const }) }
          : { kind: 'finish' },
    },
  ],
  finish: (ctx) => answerNumber(ctx, ctx.text),
};

/**
 * Status questions work at any point; during another flow the bot answers and then
 * repeats the question the resident was at, so the report in progress is not lost.
 */
export function statusCommands(engine: FlowEngine): Middleware {
  return async (ctx, next) => {
    const prefixed = ctx.text.match(STATUS_PREFIX);
    const inStatusFlow = ctx.session.flow?.name === 'status';
    if (inStatusFlow && ctx.intent && LEAVE_STATUS.has(ctx.intent)) {
      ctx.session.flow = undefined;
      return next();
    }
    if (ctx.payload === 'mycases' || ctx.intent === 'my_cases') {
      if (inStatusFlow) ctx.session.flow = undefined;
      await listMyCases(ctx);
    } else if (ctx.payload?.startsWith('status:')) {
      if (inStatusFlow) ctx.session.flow = undefined;
      await answerNumber(ctx, ctx.payload.slice('status:'.length));
    } else if (!ctx.session.flow && (ctx.payload === 'menu:status' || ctx.intent === 'status')) {
      return engine.start(ctx, 'status');
    } else if (prefixed && !inStatusFlow && readCaseNumber(ctx.text.slice(prefixed[0].length), ctx.deps.config.CASE_NUMBER_PREFIX).kind !== 'none') {
      // "查询 QH…" or "查询 123"; "查询社保缴费…" holds no number and is read as anything else.
      await answerNumber(ctx, ctx.text.slice(prefixed[0].length).trim());
    } else if (!ctx.session.flow && findCaseNumber(ctx.text, ctx.deps.config.CASE_NUMBER_PREFIX) && ctx.text.length <= 40) {
      await answerNumber(ctx, ctx.text);
    } else {
      return next();
    }
    if (ctx.session.flow) await engine.repeat(ctx);
  };
}
