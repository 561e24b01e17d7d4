import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hashPassword } from '../bot/console/passwords.js';
import { officeStatus, parseOfficeHours } from '../core/handoff/office-hours.js';
import { HandoffService, liveChannel, type LiveEvent } from '../core/handoff/service.js';
import { IllegalHandoffMove, moveHandoff, TRANSITIONS, type HandoffMove } from '../core/handoff/status-machine.js';
import type { HandoffStatus, Staff } from '../core/platform/db.js';
import { makeCase } from './support/cases.js';
import { eventually, startHarness, uniqueUser, type Harness } from './support/harness.js';

let h: Harness;
let li: Staff;
let wang: Staff;
/** A supervisor who signs in to the console (li and wang act through the service). */
let zhao: Staff;
const PASSWORD = 'a long enough secret';
const live: LiveEvent[] = [];
let unsubscribe: () => Promise<void>;

beforeAll(async () => {
  h = await startHarness({ workers: true, env: { OFFICE_HOURS: 'always', CONSOLE_COOKIE_SECURE: 'false' } });
  const office = await h.services.db.department.findUniqueOrThrow({ where: { code: 'DCS' } });
  li = await h.services.db.staff.create({ data: { username: 'li', role: 'supervisor', departmentId: office.id, passwordHash: 'x' } });
  wang = await h.services.db.staff.create({ data: { username: 'wang', role: 'supervisor', departmentId: office.id, passwordHash: 'x' } });
  zhao = await h.services.db.staff.create({ data: { username: 'zhao', role: 'supervisor', departmentId: office.id, passwordHash: await hashPassword(PASSWORD) } });
  const listener = h.services.redis.duplicate();
  await listener.connect();
  await listener.subscribe(liveChannel(h.services.config.REDIS_PREFIX), (raw) => live.push(JSON.parse(raw) as LiveEvent));
  unsubscribe = async () => void (await listener.quit());
});
afterAll(async () => {
  await unsubscribe();
  await h.close();
});

const service = () => h.runtime.handoff;
const texts = (replies: { text: string }[]) => replies.map((r) => r.text).join('\n');
const handoffOf = async (user: string) => {
  const resident = await h.services.db.resident.findFirstOrThrow({ where: { externalId: user } });
  return h.services.db.handoff.findFirstOrThrow({ where: { residentId: resident.id }, orderBy: { requestedAt: 'desc' } });
};
const pageShows = (user: string, text: string) =>
  eventually(async () => (await h.poll(user)).messages.find((m) => m.text.includes(text)));
const heardLive = (handoffId: string, from: LiveEvent['from'], text: string) =>
  eventually(async () => live.find((e) => e.type === 'handoff.message' && e.handoffId === handoffId && e.from === from && e.text?.includes(text)));

/** The console as zhao: each call signs in afresh (the harness's clock does not move). */
async function asZhao(method: 'GET' | 'POST', url: string, payload?: object) {
  const login = await h.app.inject({ method: 'POST', url: '/console/api/login', payload: { username: 'zhao', password: PASSWORD } });
  const headers = { cookie: String(login.headers['set-cookie']).split(';')[0]!, 'x-csrf-token': login.json().csrfToken };
  return h.app.inject({ method, url, headers, ...(payload ? { payload } : {}) });
}

/** A resident in a conversation zhao holds. */
async function heldConversation(user: string): Promise<string> {
  await h.say(user, '转人工');
  const { id } = await handoffOf(user);
  expect((await asZhao('POST', `/console/api/handoffs/${id}/claim`, {})).statusCode).toBe(200);
  await pageShows(user, '工作人员已接入');
  return id;
}

describe('asking for a person', () => {
  it('queues the resident with their position, once, and tells the console live', async () => {
    const first = uniqueUser();
    const second = uniqueUser();
    expect(texts(await h.say(first, '转人工'))).toContain('已为您转接人工服务，您是下一位，请稍候');
    expect(texts(await h.say(second, 'I want a human'))).toMatch(/1 ahead of you|前面还有 1 位/);
    expect(texts(await h.say(first, '人工客服'))).toContain('您已在人工服务队列中');
    const handoff = await handoffOf(first);
    expect(handoff).toMatchObject({ status: 'waiting', reason: 'asked' });
    await eventually(async () => (live.some((e) => e.type === 'handoff.waiting' && e.handoffId === handoff.id) ? true : undefined));
    expect(await h.services.db.handoff.count({ where: { residentId: handoff.residentId } })).toBe(1);
  });

  it('hands over a resident the bot failed to understand twice in a row', async () => {
    const user = uniqueUser();
    expect(texts(await h.say(user, '嗯嗯'))).toContain('没有理解');
    expect(texts(await h.say(user, '哦哦哦'))).toContain('已为您转接人工服务');
    expect((await handoffOf(user)).reason).toBe('not_understood');
  });

  it('hands over a safety hazard as soon as it is described, while the report goes on', async () => {
    const user = uniqueUser();
    const replies = await h.say(user, '城东区八一路幸福小区燃气泄漏，楼道里全是煤气味');
    expect(texts(replies)).toContain('已同时为您转接人工服务');
    // The report's next question follows, with the topic buttons.
    expect(replies.at(-1)!.buttons?.some((b) => b.payload.startsWith('topic:'))).toBe(true);
    expect((await handoffOf(user)).reason).toBe('urgent');
  });

  it('answers distress with a person and the mental health helpline', async () => {
    const user = uniqueUser();
    const replies = await h.say(user, '我不想活了');
    expect(texts(replies)).toContain('12356');
    expect((await handoffOf(user)).reason).toBe('urgent');
  });

  it('lets a waiting resident leave the queue with 取消', async () => {
    const user = uniqueUser();
    await h.say(user, '转人工');
    expect(texts(await h.say(user, '取消'))).toContain('已取消人工服务请求');
    expect((await handoffOf(user)).status).toBe('released');
    expect(texts(await h.say(user, '取消'))).toContain('当前没有正在填写的内容');
  });

  it('offers a report instead to a resident nobody took in time', async () => {
    const user = uniqueUser();
    await h.say(user, '转人工');
    const later = new HandoffService({ ...h.services, now: () => new Date(h.services.now().getTime() + 11 * 60_000) });
    expect(await later.offerReports()).toBeGreaterThanOrEqual(1);
    const offer = await pageShows(user, '工作人员暂时都在忙');
    expect(offer.buttons).toEqual([{ label: '留言反映问题', payload: 'menu:report' }]);
    expect(await later.offerReports()).toBe(0);
  });
});

describe('a member of staff holds the conversation', () => {
  it('lets exactly one of two staff claim it', async () => {
    const user = uniqueUser();
    await h.say(user, '转人工');
    const { id } = await handoffOf(user);
    const results = await Promise.allSettled([service().claim(id, li), service().claim(id, wang)]);
    const won = results.flatMap((r) => (r.status === 'fulfilled' ? [r.value] : []));
    expect(won).toHaveLength(1);
    expect(results.find((r) => r.status === 'rejected')).toMatchObject({ reason: { code: 'conflict' } });
    expect(await handoffOf(user)).toMatchObject({ status: 'held', staffId: won[0]!.staffId });
  });

  it('keeps the bot silent, carries messages both ways, and gives the resident back to the bot on release', async () => {
    const user = uniqueUser();
    await h.say(user, '转人工');
    const { id } = await handoffOf(user);
    await service().claim(id, li);
    await pageShows(user, '工作人员已接入');

    // The bot says nothing; the holder hears the resident live.
    expect(await h.say(user, '我家楼下的垃圾站三天没清理了')).toEqual([]);
    await eventually(async () => (live.some((e) => e.type === 'handoff.message' && e.handoffId === id && e.text === '我家楼下的垃圾站三天没清理了') ? true : undefined));
    expect(await h.say(user, '取消')).toEqual([]);

    await service().say(id, li, '您好，我是督查室小李，请问是哪个小区？');
    await pageShows(user, '我是督查室小李');
    // Logged once delivered: just after the page got it.
    const logged = await eventually(async () => (await h.services.db.message.findFirst({ where: { text: '您好，我是督查室小李，请问是哪个小区？' } })) ?? undefined);
    expect(logged).toMatchObject({ direction: 'outbound', author: `staff:${li.id}` });
    await expect(service().say(id, { id: wang.id, role: 'handler' }, '插话')).rejects.toMatchObject({ code: 'forbidden' });

    await service().release(id, li);
    const back = await pageShows(user, '人工服务已结束');
    expect(back.buttons?.map((b) => b.label)).toEqual(['反映问题', '查询进度', '转人工', '帮助']);
    expect(texts(await h.say(user, '你好'))).toContain('请问需要办理什么');
    // Everything said is kept with the conversation.
    const conversation = await h.services.db.message.findMany({ where: { conversationId: (await handoffOf(user)).conversationId } });
    expect(conversation.map((m) => m.text)).toEqual(expect.arrayContaining(['我家楼下的垃圾站三天没清理了', '取消', '您好，我是督查室小李，请问是哪个小区？']));
  });

  it('turns the conversation into a case the resident is told of, and links another', async () => {
    const user = uniqueUser();
    await h.say(user, '转人工');
    const { id } = await handoffOf(user);
    await service().claim(id, wang);
    const submissionId = await service().fileReport(id, wang, {
      description: '城西区胜利路12号院的垃圾站三天没有清运，气味很大',
      topic: '城乡建设',
      regionCode: '630104',
      placeText: '城西区胜利路12号院',
    });
    const created = await eventually(async () => (await h.services.db.case.findUnique({ where: { submissionId } })) ?? undefined);
    const told = await pageShows(user, created.number);
    expect(told.text).toContain('西宁市城西区人民政府');

    await service().linkCase(id, wang, created.number);
    const linked = await h.services.db.caseEvent.findFirstOrThrow({ where: { caseId: created.id, type: 'conversation_linked' } });
    expect(linked.actor).toBe(`staff:${wang.id}`);
    await expect(service().linkCase(id, wang, 'QH2001019999')).rejects.toMatchObject({ code: 'invalid' });
  });

  it('puts the silence back after Redis lost it', async () => {
    const user = uniqueUser();
    await h.say(user, '转人工');
    const { id } = await handoffOf(user);
    await service().claim(id, li);
    const keys = await h.services.redis.keys(`${h.services.config.REDIS_PREFIX}:handoff:held:*`);
    await h.services.redis.del(keys);
    expect(await service().restoreGates()).toBeGreaterThanOrEqual(1);
    expect(await h.say(user, '还在吗')).toEqual([]);
  });
});

describe('answers to a case while staff hold the conversation', () => {
  it('reopens a case rated 不满意, with its reason, and the holder sees the tap, the reason and the bot’s answers', async () => {
    const resolved = await makeCase(h.services, { status: 'resolved', departmentCode: 'G630102', set: { resolvedAt: h.services.now() } });
    const id = await heldConversation(resolved.user);

    // Free words still go to the staff member only.
    expect(await h.say(resolved.user, '你好，我想问一下路灯的事')).toEqual([]);
    await heardLive(id, 'resident', '我想问一下路灯的事');

    // The 不满意 button of the "case resolved" notification.
    const asked = await h.press(resolved.user, `rate:${resolved.number}:unsatisfied`);
    expect(texts(asked)).toContain('请告诉我们不满意的原因');
    await heardLive(id, 'resident', `[评价 ${resolved.number}] 不满意`);
    await heardLive(id, 'bot', '请告诉我们不满意的原因');

    const answered = await h.say(resolved.user, '路灯修了两天又不亮了，晚上还是很黑');
    expect(texts(answered)).toContain(`案件 ${resolved.number} 已重新办理`);
    expect((await h.services.db.case.findUniqueOrThrow({ where: { id: resolved.id } })).status).toBe('reopened');
    await heardLive(id, 'resident', '路灯修了两天又不亮了');
    await heardLive(id, 'bot', '已重新办理');

    // The console's conversation shows the tap in words, not an empty line.
    const conversation = (await asZhao('GET', `/console/api/handoffs/${id}`)).json() as { messages: { direction: string; text: string }[] };
    const said = conversation.messages.filter((m) => m.direction === 'inbound').map((m) => m.text);
    expect(said).toEqual(['转人工', '你好，我想问一下路灯的事', `[评价 ${resolved.number}] 不满意`, '路灯修了两天又不亮了，晚上还是很黑']);
    // And the conversation is still the staff member's: the next words go to them only.
    expect(await h.say(resolved.user, '谢谢')).toEqual([]);
  });

  it('takes 补充情况 and its text to the case that asked, the staff member seeing both', async () => {
    const asking = await makeCase(h.services, { status: 'needs_info', description: '小区门口有人乱倒垃圾，希望处理' });
    const id = await heldConversation(asking.user);
    expect(texts(await h.press(asking.user, `info:${asking.number}`))).toContain(asking.number);
    await heardLive(id, 'resident', `[补充情况 ${asking.number}]`);
    expect(texts(await h.say(asking.user, '具体位置在城东区八一路幸福小区北门'))).toContain(`已收到您补充的情况，已加入案件 ${asking.number}`);
    await heardLive(id, 'resident', '幸福小区北门');
    await heardLive(id, 'bot', '已收到您补充的情况');
    const event = await h.services.db.caseEvent.findFirstOrThrow({ where: { caseId: asking.id, type: 'info_added' } });
    expect(event.note).toBe('具体位置在城东区八一路幸福小区北门');
  });


  it('files the report the resident confirms with its button, while words at that point go to the staff member', async () => {
    const user = uniqueUser();
    await h.say(user, '城东区八一路的路灯坏了一个月，晚上很黑');
    await h.press(user, 'topic:城乡建设');
    expect(texts(await h.press(user, 'skip'))).toContain('确认');
    // At the last step the resident asks for a person, and a member of staff takes the conversation.
    const id = await heldConversation(user);
    expect(await h.say(user, '好的')).toEqual([]);
    expect(await h.services.db.submission.count({ where: { resident: { externalId: user } } })).toBe(0);
    expect(texts(await h.press(user, 'confirm'))).toContain('已收到您的留言');
    expect(await h.services.db.submission.count({ where: { resident: { externalId: user } } })).toBe(1);
    await heardLive(id, 'resident', '[确认提交]');
    await heardLive(id, 'bot', '已收到您的留言');
  });
});

describe('the handoff status machine', () => {
  const STATUSES: HandoffStatus[] = ['waiting', 'held', 'released'];
  const INPUT = { staffId: '00000000-0000-0000-0000-000000000000', at: new Date() };

  it('refuses every move the status does not allow, and changes nothing', async () => {
    const user = uniqueUser();
    await h.say(user, '转人工');
    const row = await handoffOf(user);
    for (const status of STATUSES) {
      await h.services.db.handoff.update({ where: { id: row.id }, data: { status, staffId: null } });
      for (const move of Object.keys(TRANSITIONS) as HandoffMove[]) {
        if (TRANSITIONS[move].from === status) continue;
        await expect(moveHandoff(h.services.db, { ...row, status, staffId: null }, move, { ...INPUT, staffId: li.id }), `${move} from ${status}`).rejects.toMatchObject({
          code: 'conflict',
          message: `cannot ${move} a conversation that is ${status}`,
        });
      }
      expect(await h.services.db.handoff.findUniqueOrThrow({ where: { id: row.id } })).toMatchObject({ status, staffId: null });
    }
  });

  it('refuses a move made on what was read before a concurrent change', async () => {
    const user = uniqueUser();
    await h.say(user, '转人工');
    const { id } = await handoffOf(user);
    await service().claim(id, li);
    const read = await handoffOf(user);
    await service().release(id, li);
    // Read while held, written after the release: the conditional update finds it released.
    const stale = moveHandoff(h.services.db, read, 'transfer', { staffId: wang.id });
    await expect(stale).rejects.toBeInstanceOf(IllegalHandoffMove);
    await expect(stale).rejects.toMatchObject({ message: 'cannot transfer a conversation that is released' });
    expect(await handoffOf(user)).toMatchObject({ status: 'released', staffId: li.id });
  });

  it('answers 409 in the console to claiming, transferring or releasing a released conversation', async () => {
    const user = uniqueUser();
    const id = await heldConversation(user);
    expect((await asZhao('POST', `/console/api/handoffs/${id}/release`, {})).statusCode).toBe(200);
    for (const [action, body] of [['transfer', { staffId: wang.id }], ['release', {}], ['claim', {}]] as const) {
      const res = await asZhao('POST', `/console/api/handoffs/${id}/${action}`, body);
      expect(res.statusCode, action).toBe(409);
      expect(res.json(), action).toMatchObject({ code: 'conflict', error: `cannot ${action} a conversation that is released` });
    }
    expect(await handoffOf(user)).toMatchObject({ status: 'released', staffId: zhao.id });
  });
});

describe('office hours', () => {
  const hours = parseOfficeHours('08:30-12:00,14:30-18:00');
  const calendar = { holidays: new Set(['2026-10-01', '2026-10-02']), workdays: new Set(['2026-10-10']) };
  const at = (iso: string) => officeStatus(new Date(iso), hours, calendar, 'Asia/Shanghai');

  it('is open in the periods of a working day', () => {
    expect(at('2026-11-25T01:00:00Z')).toEqual({ open: true }); // Wednesday 09:00 in Xining
  });
  it('says when staff are back: after lunch, the next morning, after a weekend or holiday', () => {
    expect(at('2026-11-25T05:00:00Z')).toEqual({ open: false, back: '2026-11-25 14:30' }); // 13:00
    expect(at('2026-11-25T12:00:00Z')).toEqual({ open: false, back: '2026-11-26 08:30' }); // 20:00
    expect(at('2026-11-27T12:00:00Z')).toEqual({ open: false, back: '2026-11-30 08:30' }); // Friday evening
    expect(at('2026-09-30T12:00:00Z')).toEqual({ open: false, back: '2026-10-05 08:30' }); // before two holidays and a weekend
  });
  it('counts a make-up working Saturday', () => {
    expect(at('2026-10-10T02:00:00Z')).toEqual({ open: true });
  });
  it('refuses a malformed setting', () => {
    expect(() => parseOfficeHours('9-17')).toThrow(/08:30-12:00/);
  });
});
