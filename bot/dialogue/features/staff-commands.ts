import { normalizeText } from '../../../nlp-models/index.js';
import { caseActions, CaseActionError, type CaseAction } from '../../../core/cases/actions.js';
import { formatDate, formatDateTime, staffEventText, statusText } from '../../../core/cases/describe.js';
import { staffErrorText, type TextKey } from '../../../core/i18n/index.js';
import type { Staff } from '../../../core/platform/db.js';
import type { Middleware } from '../composer.js';
import type { Context } from '../context.js';

/** Assigning and corrections need the console's pickers. */
type Command = Exclude<CaseAction, 'assign' | 'correctTopic' | 'correctPlace'> | 'case' | 'link' | 'help';

/** Staff commands in chat, Chinese and English: "#答复 QH2611250001 已安排维修". A Map: "#constructor" is no command. */
const COMMANDS = new Map<string, Command>([
  ['案件', 'case'], ['case', 'case'],
  ['受理', 'accept'], ['accept', 'accept'],
  ['不予受理', 'reject'], ['reject', 'reject'],
  ['补充', 'requestInfo'], ['ask', 'requestInfo'],
  ['答复', 'reply'], ['reply', 'reply'],
  ['备注', 'note'], ['note', 'note'],
  ['办结', 'resolve'], ['resolve', 'resolve'],
  ['重办', 'reopen'], ['reopen', 'reopen'],
  ['督办', 'supervise'], ['supervise', 'supervise'],
  ['通过', 'approve'], ['approve', 'approve'],
  ['退回', 'return'], ['return', 'return'],
  ['延期', 'requestExtension'], ['extend', 'requestExtension'],
  ['退单', 'handBack'], ['handback', 'handBack'],
  ['同意', 'approveRequest'], ['grant', 'approveRequest'],
  ['驳回', 'refuseRequest'], ['refuse', 'refuseRequest'],
  ['绑定', 'link'], ['link', 'link'],
  ['帮助', 'help'], ['help', 'help'],
]);
const LINK_REPLIES = { pending: 'staffchat.pending', wrong: 'staffchat.badCode', blocked: 'staffchat.blocked' } as const satisfies Record<string, TextKey>;
const STAFF_COMMAND = /^#\s*(\S+)\s*([\s\S]*)$/;
const TIMELINE_LINES = 5;

async function showCase(ctx: Context, staff: Staff, number: string): Promise<void> {
  const tz = ctx.deps.config.TIMEZONE;
  const found = await ctx.deps.db.case.findUnique({
    where: { number },
    include: { department: true, events: { orderBy: { at: 'desc' }, take: TIMELINE_LINES } },
  });
  if (!found || (staff.role === 'handler' && found.departmentId !== staff.departmentId)) return ctx.reply(ctx.t('staffchat.noCase', { number }));
  ctx.reply(
    ctx.t('staffchat.case', {
      number,
      status: statusText(found.status, ctx.lang, 'staff'),
      department: found.department?.name ?? ctx.t('status.unassigned'),
      deadline: found.deadline ? formatDate(found.deadline, tz) : ctx.t('status.noDeadline'),
      description: found.description.slice(0, 300),
      timeline: found.events.reverse().map((e) => `${formatDateTime(e.at, tz)} ${staffEventText(e, ctx.lang, tz)}`).join('\n'),
    }),
  );
}

/**
 * The staff actions from a chat account linked in the console. A message starting with "#" from
 * an account that is not linked is an ordinary message (residents may type "#" too).
 */
export const staffCommands: Middleware = async (ctx, next) => {
  // The staff member's words go to the resident as typed: only the command word is normalised.
  const parsed = STAFF_COMMAND.exec(ctx.text.replace(/^＃/, '#'));
  if (!parsed) return next();
  const command = COMMANDS.get(normalizeText(parsed[1]!).toLowerCase());
  const rest = parsed[2]!.trim();
  const { channel, userId } = ctx.inbound;
  if (command === 'link') {
    const outcome = await ctx.deps.chatLinks.redeem(normalizeText(rest), { channel, userId });
    if (outcome === 'pending') ctx.deps.log.info({ channel }, 'staff chat link waiting for confirmation in the console');
    return ctx.reply(ctx.t(LINK_REPLIES[outcome]));
  }
  const staff = await ctx.deps.chatLinks.staffOf(channel, userId);
  if (!staff) return next();
  if (!command || command === 'help') return ctx.reply(`${ctx.t('staffchat.help')}\n\n${ctx.t('staffchat.help2')}`);
  const [raw = ''] = rest.split(/\s+/);
  const number = normalizeText(raw).toUpperCase();
  const text = rest.slice(raw.length).trim();
  if (command === 'case') return showCase(ctx, staff, number);
  const found = await ctx.deps.db.case.findUnique({ where: { number }, select: { id: true } });
  if (!found) return ctx.reply(ctx.t('staffchat.noCase', { number: number || '—' }));
  const actions = caseActions(ctx.deps);
  try {
    if (command === 'requestExtension') {
      // "#延期 QH… 2026-12-20 理由": the new deadline, then the reason.
      const [, until = '', reason = ''] = /^(\S*)\s*([\s\S]*)$/.exec(text) ?? [];
      await actions.requestExtension(staff, found.id, until, reason);
    } else {
      await actions[command](staff, found.id, text);
    }
    ctx.reply(ctx.t('staffchat.done', { action: ctx.t(`desk.action.${command}` as TextKey), number }));
  } catch (err) {
    if (!(err instanceof CaseActionError)) throw err;
    ctx.reply(ctx.t(`staffchat.refused.${err.code}` as TextKey, { number, reason: staffErrorText(ctx.lang, err.key, err.params) }));
  }
};
