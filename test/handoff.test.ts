import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { officeStatus, parseOfficeHours } from '../bot/handoff/office-hours.js';
import { HandoffService, liveChannel, type LiveEvent } from '../bot/handoff/service.js';
import type { Staff } from '../bot/platform/db.js';
import { eventually, startHarness, uniqueUser, type Harness } from './support/harness.js';

let h: Harness;
let li: Staff;
let wang: Staff;
const live: LiveEvent[] = [];
let unsubscribe: () => Promise<void>;

beforeAll(async () => {
  h = await startHarness({ workers: true, env: { OFFICE_HOURS: 'always' } });
  const office = await h.services.db.department.findUniqueOrThrow({ where: { code: 'DCS' } });
  li = await h.services.db.staff.create({ data: { username: 'li', role: 'supervisor', departmentId: office.id, passwordHash: 'x' } });
  wang = await h.services.db.staff.create({ data: { username: 'wang', role: 'supervisor', departmentId: office.id, passwordHash: 'x' } });
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

describe('asking for a person', () => {
  it('queues the resident with their position, once, and tells the console live', async () => {
    const first = uniqueUser();
    const second = uniqueUser();
    expect(texts(await h.say(first, '转人工'))).toContain('前面还有 0 位');
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
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    expect(results.find((r) => r.status === 'rejected')).toMatchObject({ reason: { code: 'conflict' } });
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
