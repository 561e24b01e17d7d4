import { normalizeText } from '../../../nlp-models/index.js';
import { caseActions, CaseActionError, departmentScope, type CaseAction } from '../../../core/cases/actions.js';
import { formatDate, formatDateTime, staffEventText, statusText } from '../../../core/cases/describe.js';
import { usableTemplates } from '../../../core/cases/templates.js';
import { projectViews, type ProjectView } from '../../../core/projects/projects.js';
import { staffErrorText, type Lang, type TextKey } from '../../../core/i18n/index.js';
import type { Staff } from '../../../core/platform/db.js';
import type { Middleware } from '../composer.js';
import type { Context } from '../context.js';

/** Assigning needs the console's picker of departments. */
type Command = Exclude<CaseAction, 'assign'> | 'case' | 'template' | 'project' | 'link' | 'help';

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
  ['模板', 'template'], ['template', 'template'],
  ['专项', 'project'], ['project', 'project'], ['projects', 'project'],
  ['类别', 'correctTopic'], ['topic', 'correctTopic'],
  ['地点', 'correctPlace'], ['place', 'correctPlace'],
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

const PROJECT_CODE = /^ZX-?(\d{1,9})$/;
const PROJECT_CASE_LINES = 30;

/**
 * "#专项" lists the open supervision projects a member of staff may see, with their progress;
 * "#专项 ZX-0001" shows one with its cases (a handler: their department's). Read only: projects
 * are opened, changed and closed in the console.
 */
async function showProjects(ctx: Context, staff: Staff, code: string): Promise<void> {
  const { db, now, config } = ctx.deps;
  const views = projectViews({ db, now, timeZone: config.TIMEZONE });
  const scope = departmentScope(staff);
  const line = (p: Pick<ProjectView, 'code' | 'title' | 'deadline' | 'overdue' | 'status' | 'department' | 'progress'>) =>
    ctx.t('staffchat.projectLine', {
      code: p.code,
      title: p.title,
      department: ctx.lang === 'en' ? (p.department.nameEn ?? p.department.name) : p.department.name,
      deadline: p.deadline,
      progress: ctx.t('desk.projects.progress', { finished: p.progress.finished, total: p.progress.total, percent: p.progress.percent }),
      state: p.overdue ? ctx.t('desk.projects.overdue') : ctx.t(`desk.projects.status.${p.status}`),
    });
  if (!code) {
    const open = await views.open(scope);
    return ctx.reply(open.length ? ctx.t('staffchat.projects', { list: open.map(line).join('\n') }) : ctx.t('staffchat.noProjects'));
  }
  // At most 9 digits: always a number PostgreSQL's integer holds.
  const number = PROJECT_CODE.exec(code)?.[1];
  const project = number ? await views.get({ number: Number(number) }, scope) : null;
  // Echoed by characters, so a cut never leaves half of a surrogate pair.
  if (!project) return ctx.reply(ctx.t('staffchat.noProject', { code: [...code].slice(0, 20).join('') }));
  const cases = project.cases.slice(0, PROJECT_CASE_LINES).map((c) => `${c.number}｜${statusText(c.status, ctx.lang, 'staff')}${c.overdueAt ? `｜${ctx.t('desk.projects.overdue')}` : ''}`);
  const more = project.cases.length - cases.length;
  ctx.reply(ctx.t('staffchat.project', { line: line(project), reason: project.reason, cases: cases.join('\n') + (more > 0 ? `\n${ctx.t('staffchat.projectMoreCases', { count: more })}` : '') }));
}

/** The command word for an action in the staff member's language: "答复" or "reply". */
function commandWord(action: Command, lang: Lang): string {
  return [...COMMANDS].find(([word, c]) => c === action && /^[a-z]/.test(word) === (lang === 'en'))![0];
}

/**
 * "#模板 QH…" lists the reply templates the member of staff can use on the case now, numbered;
 * "#模板 QH… 2" fills one in from the case and sends it as the command that uses it, to copy,
 * edit and send back (nothing reaches the resident before that).
 */
async function showTemplates(ctx: Context, staff: Staff, number: string, pick: string): Promise<void> {
  const templates = await usableTemplates(ctx.deps.db, staff, { number });
  if (!templates) return ctx.reply(ctx.t('staffchat.noCase', { number: number || '—' }));
  if (!pick) {
    if (!templates.length) return ctx.reply(ctx.t('staffchat.noTemplates', { number }));
    const list = templates.map((t, i) => ctx.t('staffchat.templateLine', { n: i + 1, kind: ctx.t(`desk.templates.kind.${t.kind}`), title: t.title }));
    return ctx.reply(ctx.t('staffchat.templates', { number, list: list.join('\n') }));
  }
  const n = normalizeText(pick);
  const chosen = /^\d{1,3}$/.test(n) ? templates[Number(n) - 1] : undefined;
  if (!chosen) return ctx.reply(ctx.t('staffchat.noTemplate', { n: pick.slice(0, 10), number }));
  const action = chosen.actions[0]!;
  ctx.reply(ctx.t('staffchat.template', { title: chosen.title, number, action: ctx.t(`desk.action.${action}`) }));
  ctx.reply(`#${commandWord(action, ctx.lang)} ${number} ${chosen.text}`);
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
  if (!command || command === 'help') return ctx.reply(`${ctx.t('staffchat.help')}\n\n${ctx.t('staffchat.help2')}\n\n${ctx.t('staffchat.helpTemplates')}\n\n${ctx.t('staffchat.helpCorrections')}\n\n${ctx.t('staffchat.helpProjects')}`);
  const [raw = ''] = rest.split(/\s+/);
  const number = normalizeText(raw).toUpperCase();
  const text = rest.slice(raw.length).trim();
  if (command === 'case') return showCase(ctx, staff, number);
  if (command === 'template') return showTemplates(ctx, staff, number, text);
  if (command === 'project') return showProjects(ctx, staff, number);
  const found = await ctx.deps.db.case.findUnique({ where: { number }, select: { id: true, regionCode: true } });
  if (!found) return ctx.reply(ctx.t('staffchat.noCase', { number: number || '—' }));
  const actions = caseActions(ctx.deps);
  try {
    if (command === 'requestExtension') {
      // "#延期 QH… 2026-12-20 理由": the new deadline, then the reason.
      const [, until = '', reason = ''] = /^(\S*)\s*([\s\S]*)$/.exec(text) ?? [];
      await actions.requestExtension(staff, found.id, until, reason);
    } else if (command === 'correctTopic') {
      // "#类别 QH… 城乡建设" (or 城乡建设/市政设施); an English name is taken for its topic.
      await actions.correctTopic(staff, found.id, ctx.deps.catalog.findTopic(text)?.name ?? text);
    } else if (command === 'correctPlace') {
      // "#地点 QH… 城东区八一路": the words as the place, the county they name as the region (words
      // that name none, "八一路", keep the case's region).
      await actions.correctPlace(staff, found.id, { placeText: text, regionCode: ctx.deps.catalog.matchRegion(text)?.code ?? found.regionCode });
    } else {
      await actions[command](staff, found.id, text);
    }
    ctx.reply(ctx.t('staffchat.done', { action: ctx.t(`desk.action.${command}` as TextKey), number }));
  } catch (err) {
    if (!(err instanceof CaseActionError)) throw err;
    ctx.reply(ctx.t(`staffchat.refused.${err.code}` as TextKey, { number, command: commandWord(command, ctx.lang), reason: staffErrorText(ctx.lang, err.key, err.params) }));
  }
};
