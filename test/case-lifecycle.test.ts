import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CaseStatus, Staff } from '../core/platform/db.js';
import { caseActions, CaseActionError, type CaseActions } from '../core/cases/actions.js';
import { screen } from '../core/cases/screening.js';
import { IllegalTransitionError, TRANSITIONS, transition, type Change } from '../core/cases/status-machine.js';
import { processDeadlines } from '../workers/deadlines.js';
import { processNotify } from '../workers/notify.js';
import { processReconcile } from '../workers/reconcile.js';
import { processRoute } from '../workers/route.js';
import { makeCase } from './support/cases.js';
import { eventually, startHarness, uniqueUser, type Harness } from './support/harness.js';

let h: Harness;
let actions: CaseActions;
let supervisor: Staff;
let chengdong: Staff;
let chengxi: Staff;

const staff = async (username: string, role: Staff['role'], departmentCode: string) => {
  const department = await h.services.db.department.findUniqueOrThrow({ where: { code: departmentCode } });
  return h.services.db.staff.create({ data: { username, role, departmentId: department.id, passwordHash: 'not used here' } });
};

beforeAll(async () => {
  // Resolutions reach residents at once here; the review before closing is tested in review-workflow.test.ts.
  h = await startHarness({ workers: true, env: { REVIEW_BEFORE_CLOSE: 'false' } });
  actions = caseActions(h.services);
  supervisor = await staff('dcs-li', 'supervisor', 'DCS');
  chengdong = await staff('cd-wang', 'handler', 'G630102');
  chengxi = await staff('cx-zhao', 'handler', 'G630104');
});
afterAll(() => h.close());

const db = () => h.services.db;
const eventTypes = async (caseId: string) => (await db().caseEvent.findMany({ where: { caseId }, orderBy: { at: 'asc' } })).map((e) => e.type);
/** What the resident's web chat page shows, once `match` appears in it. */
const residentSees = (user: string, match: string | RegExp) =>
  eventually(async () => (await h.poll(user)).messages.find((m) => (typeof match === 'string' ? m.text.includes(match) : match.test(m.text))));

describe('the status machine', () => {
  const legal = (Object.entries(TRANSITIONS) as [CaseStatus, readonly CaseStatus[]][]).flatMap(([from, tos]) => tos.map((to) => [from, to] as const));

  it.each(legal)('%s → %s is allowed and written as an event in the same transaction', async (from, to) => {
    const c = await makeCase(h.services, { status: from });
    const at = h.services.now();
    const event = await db().$transaction((tx) => transition(tx, c, { to, actor: 'staff:test', at, note: 'why', deadline: null } as Change));
    expect(await db().case.findUniqueOrThrow({ where: { id: c.id } })).toMatchObject({ status: to });
    expect(event).toMatchObject({ fromStatus: from, toStatus: to, actor: 'staff:test', note: 'why', type: to });
  });

  it('refuses an illegal move with a clear error and changes nothing', async () => {
    const c = await makeCase(h.services, { status: 'received' });
    const attempt = db().$transaction((tx) => transition(tx, c, { to: 'closed', actor: 'staff:test', at: h.services.now() }));
    await expect(attempt).rejects.toThrow(IllegalTransitionError);
    await expect(attempt).rejects.toThrow(/cannot go from received to closed/);
    expect((await db().case.findUniqueOrThrow({ where: { id: c.id } })).status).toBe('received');
    expect(await eventTypes(c.id)).toEqual([]);
  });

  it('lets only one of two simultaneous changes through', async () => {
    const c = await makeCase(h.services, { status: 'received' });
    const results = await Promise.allSettled(
      (['accepted', 'rejected'] as const).map((to) => db().$transaction((tx) => transition(tx, c, { to, actor: 'staff:test', at: h.services.now() }))),
    );
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    expect(await eventTypes(c.id)).toHaveLength(1);
  });
});

describe('screening', () => {
  const placed = { regionCode: '630102', placeText: '城东区' };
  it('accepts a report that says what and where', () => {
    expect(screen({ description: '八一路幸福小区3号楼的电梯坏了一个星期，物业一直不修', ...placed }, 15)).toEqual({ verdict: 'accept' });
  });
  it('asks for the place, or for more detail, when a department could not act', () => {
    const noPlace = { regionCode: null, placeText: null };
    expect(screen({ description: '小区电梯坏了一个星期，物业一直不修，老人上下楼很困难', ...noPlace }, 15)).toEqual({ verdict: 'needs_info', missing: ['place'] });
    expect(screen({ description: '路灯坏了，请处理一下', ...placed }, 15)).toEqual({ verdict: 'needs_info', missing: ['detail'] });
  });
  it('rejects empty, advertising and pure abuse, each with its reason', () => {
    expect(screen({ description: '啊啊啊啊啊啊啊啊啊啊啊啊', ...placed }, 15)).toEqual({ verdict: 'reject', reason: 'empty' });
    expect(screen({ description: '兼职刷单日赚五百，加微信 abc12345 详聊，无抵押贷款', ...placed }, 15)).toEqual({ verdict: 'reject', reason: 'advertising' });
    expect(screen({ description: '你们都是王八蛋，去死吧傻逼', ...placed }, 15)).toEqual({ verdict: 'reject', reason: 'abusive' });
  });
  it('does not reject a fraud complaint quoting the advert, nor an angry report with a real problem', () => {
    const fraud = '我被骗了，有人发短信说兼职刷单日赚五百，加微信 abc12345，我转了三千块钱，请公安查处';
    expect(screen({ description: fraud, ...placed }, 15).verdict).toBe('accept');
    const angry = '妈的八一路幸福小区门口的下水道堵了半个月，污水流到马路上，到底有没有人管';
    expect(screen({ description: angry, ...placed }, 15).verdict).toBe('accept');
  });
});

describe('a report without a place: the bot asks, the answer goes into the same case', () => {
  it('needs information, takes the answer from the resident and routes the case', async () => {
    const user = uniqueUser();
    await h.say(user, '我们小区的电梯坏了一个多星期，物业一直不修，老人上下楼很困难');
    let replies = await h.press(user, 'topic:城乡建设');
    expect(replies[0]!.text).toContain('问题发生在哪里');
    // The resident skips the place, and the phone.
    await h.say(user, '跳过');
    replies = await h.press(user, 'skip');
    expect(replies[0]!.text).toContain('【发生地点】未填写');
    await h.press(user, 'confirm');

    const asked = await residentSees(user, '还需要补充');
    expect(asked.text).toContain('具体地点');
    const number = asked.text.match(/QH\d{10}/)![0];
    expect(asked.buttons).toEqual([{ label: '补充情况', payload: `info:${number}` }]);
    expect((await db().case.findUniqueOrThrow({ where: { number } })).status).toBe('needs_info');

    replies = await h.press(user, `info:${number}`);
    expect(replies[0]!.text).toContain(`案件 ${number}`);
    replies = await h.say(user, '在城东区八一路幸福小区3号楼');
    expect(replies[0]!.text).toContain('已收到您补充的情况');

    const routed = await residentSees(user, '西宁市城东区人民政府');
    expect(routed.text).toContain(number);
    const stored = await db().case.findUniqueOrThrow({ where: { number } });
    expect(stored).toMatchObject({ status: 'assigned', regionCode: '630102' });
    expect(stored.description).toContain('八一路幸福小区3号楼');
    expect(await eventTypes(stored.id)).toEqual(['created', 'needs_info', 'info_added', 'assigned']);
  });

  it('tells a resident whose message was advertising why it was not accepted', async () => {
    const user = uniqueUser();
    await h.say(user, '城东区兼职刷单日赚五百，加微信 abc12345 详聊，无抵押低息贷款');
    await h.press(user, 'topic:经济管理');
    await h.press(user, 'skip');
    await h.press(user, 'confirm');
    const told = await residentSees(user, '不予受理');
    expect(told.text).toContain('广告');
  });
});

describe('staff actions are checked against role and department', () => {
  it('hides another department’s case from a handler, and keeps office actions for the office', async () => {
    const c = await makeCase(h.services, { status: 'assigned', departmentCode: 'G630102' });
    await expect(actions.reply(chengxi, c.id, '我们来看看')).rejects.toMatchObject({ code: 'not_found' });
    await expect(actions.supervise(chengdong, c.id)).rejects.toMatchObject({ code: 'forbidden' });
    const held = await makeCase(h.services, { status: 'received', departmentCode: 'G630102' });
    await expect(actions.reject(chengdong, held.id, '不归我们管')).rejects.toMatchObject({ code: 'forbidden' });
    await expect(actions.reject(supervisor, held.id, '  ')).rejects.toMatchObject({ code: 'invalid' });
    await expect(actions.resolve(supervisor, c.id, '')).rejects.toBeInstanceOf(CaseActionError);
  });

  it('lets a handler give a case back only through a hand-back the office decides, and the office transfer it', async () => {
    const c = await makeCase(h.services, { status: 'assigned', departmentCode: 'G630102' });
    const office = await db().department.findUniqueOrThrow({ where: { code: 'DCS' } });
    const other = await db().department.findUniqueOrThrow({ where: { code: 'G630104' } });
    await expect(actions.assign(chengdong, c.id, other.id)).rejects.toMatchObject({ code: 'forbidden' });
    await expect(actions.assign(chengdong, c.id, office.id)).rejects.toMatchObject({ code: 'forbidden' });
    await actions.handBack(chengdong, c.id, '属于全省问题，请督查室另行分办');
    expect(await eventTypes(c.id)).toEqual(['handback_requested']);
    await actions.assign(supervisor, c.id, other.id, '改由城西区办理');
    const moved = await db().case.findUniqueOrThrow({ where: { id: c.id }, include: { department: true } });
    expect(moved.department?.code).toBe('G630104');
    const [transfer] = await db().caseEvent.findMany({ where: { caseId: c.id, type: 'transferred' } });
    expect(transfer).toMatchObject({ fromStatus: 'assigned', toStatus: 'assigned', note: '改由城西区办理' });
    // The history keeps where the case was before.
    expect((transfer!.data as { fromDepartmentId: string }).fromDepartmentId).toBe(chengdong.departmentId);
    // The hand-back was about the department that asked: after the transfer it can only be refused.
    await expect(actions.approveRequest(supervisor, c.id)).rejects.toMatchObject({ code: 'conflict' });
  });

  it('signs a reply with its author’s department, not the case’s', async () => {
    const c = await makeCase(h.services, { status: 'assigned', departmentCode: 'G630102' });
    await actions.reply(supervisor, c.id, '督查室已将此事列入本周督办清单。');
    const reply = await residentSees(c.user, '督办清单');
    expect(reply.text).toContain('青海省人民政府督查室答复');
    expect(reply.text).not.toContain('城东区人民政府');
  });

  it('lets the supervision office ask the resident about an accepted case before choosing a department', async () => {
    const c = await makeCase(h.services, { status: 'accepted' });
    await actions.requestInfo(supervisor, c.id, '请问具体是哪个小区？');
    expect((await db().case.findUniqueOrThrow({ where: { id: c.id } })).status).toBe('needs_info');
    const asked = await residentSees(c.user, '请问具体是哪个小区');
    expect(asked.buttons?.[0]?.payload).toBe(`info:${c.number}`);
  });

  it('starts the work with the first reply, tells the resident, and keeps notes internal', async () => {
    const c = await makeCase(h.services, { status: 'assigned', departmentCode: 'G630102' });
    await actions.note(chengdong, c.id, '已电话联系物业经理');
    await actions.reply(chengdong, c.id, '已安排维修人员，本周五前修复。');
    const stored = await db().case.findUniqueOrThrow({ where: { id: c.id } });
    expect(stored.status).toBe('in_progress');
    expect(stored.firstResponseAt).toBeInstanceOf(Date);
    const reply = await residentSees(c.user, '已安排维修人员');
    expect(reply.text).toContain('西宁市城东区人民政府答复');
    // The resident's own view of the case shows the reply, never the internal note.
    const view = (await h.say(c.user, `查询 ${c.number}`)).map((r) => r.text).join('\n');
    expect(view).toContain('已安排维修人员');
    expect(view).not.toContain('物业经理');
    // An action that does not fit the status is a conflict, not a crash.
    await expect(actions.accept(supervisor, c.id)).rejects.toMatchObject({ code: 'conflict' });
  });
});

describe('notifications', () => {
  it('reach the resident exactly once when the notify job runs twice', async () => {
    const c = await makeCase(h.services, { status: 'in_progress', departmentCode: 'G630102' });
    const [event] = await actions.reply(supervisor, c.id, '督查室已督促城东区尽快处理。');
    // The same event's job once more, as after a worker crash, and its message job too.
    const deps = h.services;
    await processNotify(deps, { eventId: event!.id });
    await residentSees(c.user, '督查室已督促');
    await processNotify(deps, { eventId: event!.id });
    await new Promise((r) => setTimeout(r, 500));
    const { messages } = await h.poll(c.user);
    expect(messages.filter((m) => m.text.includes('督查室已督促'))).toHaveLength(1);
  });
});

describe('satisfaction', () => {
  it('closes a case the resident is satisfied with', async () => {
    const c = await makeCase(h.services, { status: 'in_progress', departmentCode: 'G630102' });
    await h.say(c.user, '你好');
    await actions.resolve(chengdong, c.id, '路灯已于今日修复。');
    const asked = await residentSees(c.user, '已办结');
    expect(asked.buttons?.map((b) => b.label)).toEqual(['满意', '基本满意', '不满意']);
    // Typed rather than tapped, as on WeChat.
    const replies = await h.say(c.user, '满意');
    expect(replies[0]!.text).toContain('感谢您的评价');
    expect(await db().case.findUniqueOrThrow({ where: { id: c.id } })).toMatchObject({ status: 'closed', satisfaction: 'satisfied' });
    expect((await h.say(c.user, '满意'))[0]!.text).not.toContain('感谢您的评价');
  });

  it('reopens a case with the reason of a dissatisfied resident, puts it under supervision, and asks again when it is resolved again', async () => {
    const c = await makeCase(h.services, { status: 'in_progress', departmentCode: 'G630102' });
    await actions.resolve(chengdong, c.id, '已修复。');
    const asked = await residentSees(c.user, '请对办理结果作出评价');
    let replies = await h.press(c.user, asked.buttons!.find((b) => b.label === '不满意')!.payload);
    expect(replies[0]!.text).toContain('不满意的原因');
    replies = await h.say(c.user, '根本没有修，晚上还是黑的');
    expect(replies[0]!.text).toMatch(/已重新办理.*挂牌督办.*\d{4}-\d{2}-\d{2}/s);
    const stored = await db().case.findUniqueOrThrow({ where: { id: c.id } });
    // The verdict is kept in the timeline; the case waits for a verdict on its next result.
    expect(stored).toMatchObject({ status: 'reopened', satisfaction: null });
    expect(stored.supervisedAt).toBeInstanceOf(Date);
    expect(stored.resolvedAt).toBeNull();
    const reopened = await db().caseEvent.findFirstOrThrow({ where: { caseId: c.id, type: 'reopened' } });
    expect(reopened).toMatchObject({ actor: 'resident', note: '根本没有修，晚上还是黑的', data: { satisfaction: 'unsatisfied' } });

    await actions.resolve(chengdong, c.id, '三盏路灯已全部更换，晚上已经亮了。');
    const again = await residentSees(c.user, '三盏路灯已全部更换');
    replies = await h.press(c.user, again.buttons!.find((b) => b.label === '满意')!.payload);
    expect(replies[0]!.text).toContain('感谢您的评价');
    expect(await db().case.findUniqueOrThrow({ where: { id: c.id } })).toMatchObject({ status: 'closed', satisfaction: 'satisfied' });
  });

  it('clears the rating when staff reopen a rated case, so the deadline job closes it again when it goes unrated', async () => {
    const c = await makeCase(h.services, { status: 'closed', departmentCode: 'G630102', set: { satisfaction: 'basic', resolvedAt: h.services.now(), closedAt: h.services.now() } });
    await actions.reopen(supervisor, c.id, '回访发现问题反复');
    expect(await db().case.findUniqueOrThrow({ where: { id: c.id } })).toMatchObject({ status: 'reopened', satisfaction: null, closedAt: null, resolvedAt: null });
    await actions.resolve(chengdong, c.id, '已彻底修复。');
    await processDeadlines({ ...h.services, now: () => new Date(h.services.now().getTime() + 73 * 3_600_000) });
    expect(await db().case.findUniqueOrThrow({ where: { id: c.id } })).toMatchObject({ status: 'closed', satisfaction: null });
  });

  it('reopens the cases merged into a case when it is reopened, with its new deadline', async () => {
    const primary = await makeCase(h.services, { status: 'in_progress', departmentCode: 'G630102' });
    const linked = await makeCase(h.services, { status: 'assigned', departmentCode: 'G630102', set: { duplicateOfId: primary.id } });
    await actions.resolve(chengdong, primary.id, '已统一修复。');
    await actions.reopen(supervisor, primary.id, '现场核查仍未修复');
    const [p, l] = await Promise.all([primary, linked].map((c) => db().case.findUniqueOrThrow({ where: { id: c.id } })));
    expect(l).toMatchObject({ status: 'reopened', resolvedAt: null });
    expect(l!.deadline).toEqual(p!.deadline);
    await residentSees(linked.user, /已重新办理.*现场核查仍未修复/s);
  });

  it('resolves the cases linked to a resolved case with it', async () => {
    const primary = await makeCase(h.services, { status: 'in_progress', departmentCode: 'G630102' });
    const linked = await makeCase(h.services, { status: 'assigned', departmentCode: 'G630102', set: { duplicateOfId: primary.id } });
    await actions.resolve(chengdong, primary.id, '已统一修复。');
    expect((await db().case.findUniqueOrThrow({ where: { id: linked.id } })).status).toBe('resolved');
    await residentSees(linked.user, '已统一修复');
  });
});

describe('the deadline job, on a controlled clock', () => {
  const HOUR = 3_600_000;
  const run = (at: Date) => processDeadlines({ ...h.services, now: () => at });

  it('reminds once before the deadline, marks and escalates when late, supervises after the delay', async () => {
    const deadline = new Date('2030-03-08T15:59:59Z');
    const c = await makeCase(h.services, { status: 'assigned', departmentCode: 'G630102', set: { deadline } });
    const early = await run(new Date(deadline.getTime() - 48 * HOUR));
    expect(await eventTypes(c.id)).toEqual([]);
    expect(early.reminded).toBe(0);

    await run(new Date(deadline.getTime() - 12 * HOUR));
    await run(new Date(deadline.getTime() - 6 * HOUR));
    expect(await eventTypes(c.id)).toEqual(['deadline_reminder']);

    const late = new Date(deadline.getTime() + HOUR);
    await run(late);
    await run(late);
    expect(await eventTypes(c.id)).toEqual(['deadline_reminder', 'overdue']);
    const overdue = await db().caseEvent.findFirstOrThrow({ where: { caseId: c.id, type: 'overdue' } });
    expect((overdue.data as { escalatedTo: { departmentCode: string } }).escalatedTo.departmentCode).toBe('DCS');
    expect((await db().case.findUniqueOrThrow({ where: { id: c.id } })).overdueAt).toEqual(late);

    await run(new Date(late.getTime() + 47 * HOUR));
    expect((await db().case.findUniqueOrThrow({ where: { id: c.id } })).supervisedAt).toBeNull();
    await run(new Date(late.getTime() + 49 * HOUR));
    expect((await db().case.findUniqueOrThrow({ where: { id: c.id } })).supervisedAt).toEqual(new Date(late.getTime() + 49 * HOUR));
    await residentSees(c.user, '挂牌督办');
  });

  it('leaves a resolved case alone, and closes an unrated one after the wait', async () => {
    const resolvedAt = new Date('2030-05-01T02:00:00Z');
    const c = await makeCase(h.services, { status: 'resolved', departmentCode: 'G630102', set: { resolvedAt, deadline: new Date('2030-04-01T00:00:00Z') } });
    await run(new Date(resolvedAt.getTime() + 71 * HOUR));
    expect((await db().case.findUniqueOrThrow({ where: { id: c.id } })).status).toBe('resolved');
    await run(new Date(resolvedAt.getTime() + 73 * HOUR));
    expect(await db().case.findUniqueOrThrow({ where: { id: c.id } })).toMatchObject({ status: 'closed', satisfaction: null });
    expect(await eventTypes(c.id)).toEqual(['closed']);
    await residentSees(c.user, '已结案');
  });

  it('routes a report whose resident never sent the missing detail', async () => {
    const c = await makeCase(h.services, { status: 'needs_info' });
    await run(new Date(h.services.now().getTime() + 73 * HOUR));
    const routed = await eventually(async () => {
      const found = await db().case.findUniqueOrThrow({ where: { id: c.id }, include: { department: true } });
      return found.status === 'assigned' ? found : undefined;
    });
    expect(routed.department?.code).toBe('G630102');
  });
});

describe('deadlines follow the holiday calendar', () => {
  it('skips the National Day week and counts the make-up Saturday', async () => {
    const c = await makeCase(h.services, { status: 'accepted' });
    // Accepted on Wednesday 30 September 2026 at 10:00 in Xining, normal priority: 10 working days.
    const at = new Date('2026-09-30T02:00:00Z');
    await processRoute({ ...h.services, now: () => at }, { caseId: c.id });
    const routed = await db().case.findUniqueOrThrow({ where: { id: c.id } });
    // 1–7 October are holidays; Saturday 10 October is worked: 8, 9, 10, 12–16, 19, 20 → 20 October.
    expect(routed.deadline?.toISOString()).toBe('2026-10-20T15:59:59.000Z');
  });
});

describe('duplicates (并单)', () => {
  it('links a report of an open case’s problem to it, tells the resident, and routes one in another county', async () => {
    const primary = await makeCase(h.services, {
      status: 'assigned',
      departmentCode: 'G630102',
      description: '城东区八一路幸福小区3号楼电梯坏了一个星期没人修',
      set: { deadline: new Date('2030-01-10T15:59:59Z') },
    });
    const report = async (text: string) => {
      const user = uniqueUser();
      await h.say(user, text);
      await h.press(user, 'topic:城乡建设');
      await h.press(user, 'skip');
      await h.press(user, 'confirm');
      return user;
    };
    const same = await report('城东区八一路幸福小区三号楼的电梯停了七八天，物业不管，老人下不了楼');
    const told = await residentSees(same, '并案办理');
    expect(told.text).toContain(primary.number);
    expect(told.text).toContain('西宁市城东区人民政府');
    const linked = await db().case.findFirstOrThrow({ where: { duplicateOfId: primary.id } });
    expect(linked).toMatchObject({ status: 'assigned', deadline: primary.deadline });

    const elsewhere = await report('城西区八一路幸福小区三号楼的电梯停了七八天，物业不管，老人下不了楼');
    const routed = await residentSees(elsewhere, '西宁市城西区人民政府');
    expect(routed.text).not.toContain('并案');
    expect(await db().case.count({ where: { duplicateOfId: primary.id } })).toBe(1);
  });
});

describe('the reconciler and events the resident is not told of', () => {
  it('re-sends an undelivered notification once, and never the silent ones', async () => {
    const c = await makeCase(h.services, { status: 'received' });
    const at = new Date(h.services.now().getTime() - 3_600_000);
    // The intake's own acceptance is told with the routing; a resident's own rating is answered in the chat.
    await db().caseEvent.createMany({
      data: [
        { caseId: c.id, type: 'accepted', actor: 'system:intake', at },
        { caseId: c.id, type: 'closed', actor: 'resident', at },
        { caseId: c.id, type: 'reply', actor: 'staff:x', note: '这条答复的投递丢了。', at },
      ],
    });
    const deps = h.services;
    const first = await processReconcile(deps);
    expect(first.notifications).toBe(1);
    await residentSees(c.user, '这条答复的投递丢了');
    await eventually(async () => ((await processReconcile(deps)).notifications === 0 ? true : undefined));
  });
});
