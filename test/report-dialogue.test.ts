import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually, startHarness, uniqueUser, type Harness } from './support/harness.js';

let h: Harness;
beforeAll(async () => {
  h = await startHarness({ workers: true });
});
afterAll(() => h.close());

const texts = (replies: { text: string }[]) => replies.map((r) => r.text).join('\n');
const labels = (replies: { buttons?: { label: string }[] }[]) => replies.flatMap((r) => r.buttons ?? []).map((b) => b.label);
const payloadOf = (replies: { buttons?: { label: string; payload: string }[] }[], label: string | RegExp) => {
  const button = replies.flatMap((r) => r.buttons ?? []).find((b) => (typeof label === 'string' ? b.label === label : label.test(b.label)));
  if (!button) throw new Error(`no button ${label} in ${JSON.stringify(replies)}`);
  return button.payload;
};

describe('reporting a problem in the web chat', () => {
  it('greets with the menu as buttons', async () => {
    const replies = await h.say(uniqueUser(), '你好');
    expect(texts(replies)).toContain('听民');
    expect(labels(replies)).toEqual(['反映问题', '查询进度', '转人工', '帮助']);
  });

  it('takes a problem written straight away to a routed case and notifies the resident', async () => {
    const user = uniqueUser();
    let replies = await h.say(user, '城东区八一路小区门口路面塌陷了一个星期没人管');
    // The district is recognised, so the next question is the topic, with alternatives as buttons.
    expect(texts(replies)).toMatch(/类别|选择/);
    expect(labels(replies).length).toBeGreaterThanOrEqual(3);
    replies = await h.press(user, 'topic:城乡建设');
    expect(texts(replies)).toContain('手机号码');
    replies = await h.say(user, '1391234567');
    expect(texts(replies)).toContain('不是有效的电话号码');
    replies = await h.say(user, '139 1234 5678');
    const summary = texts(replies);
    expect(summary).toContain('城东区八一路小区门口路面塌陷');
    expect(summary).toContain('城乡建设');
    expect(summary).toContain('西宁市城东区');
    expect(summary).toContain('13912345678');
    expect(labels(replies)).toContain('确认提交');

    const { cursor } = await h.poll(user);
    replies = await h.press(user, 'confirm');
    expect(texts(replies)).toMatch(/已收到您的留言.*回执号：[0-9A-F]{8}/s);

    // The workers create and route the case, then the page receives the case number asynchronously.
    const note = await eventually(async () => (await h.poll(user, cursor)).messages.find((m) => /QH\d{10}/.test(m.text)));
    const number = note.text.match(/QH\d{10}/)?.[0];
    expect(number).toBeDefined();
    expect(note.text).toContain('西宁市城东区人民政府');
    expect(note.text).toMatch(/办理时限：\d{4}-\d{2}-\d{2}/);

    const stored = await h.services.db.case.findUniqueOrThrow({ where: { number: number! }, include: { department: true, events: true } });
    expect(stored).toMatchObject({ status: 'assigned', topic: '城乡建设', regionCode: '630102', priority: 'urgent' });
    expect(stored.department?.name).toBe('西宁市城东区人民政府');
    expect(stored.events.map((e) => e.type).sort()).toEqual(['accepted', 'assigned', 'created']);
  });

  it('walks through every question when started from the menu, and re-asks short or unplaced answers', async () => {
    const user = uniqueUser();
    let replies = await h.press(user, 'menu:report');
    expect(texts(replies)).toContain('请描述');
    replies = await h.say(user, '路灯坏了');
    expect(texts(replies)).toContain('描述太短了');
    replies = await h.say(user, '我们小区门口的三盏路灯已经坏了半个月，晚上老人孩子出门很不安全');
    replies = await h.press(user, payloadOf(replies, /./));
    expect(texts(replies)).toContain('问题发生在哪里');
    replies = await h.say(user, '小区门口');
    expect(texts(replies)).toContain('没有识别出县（区）');
    replies = await h.say(user, '大通县桥头镇新民小区门口');
    expect(texts(replies)).toContain('手机号码');
    replies = await h.say(user, '不想留电话');
    expect(texts(replies)).toContain('【联系电话】未填写');
    expect(texts(replies)).toContain('大通县桥头镇新民小区门口');
  });

  it('lets the resident edit a field from the summary and come back to it', async () => {
    const user = uniqueUser();
    await h.say(user, '格尔木市昆仑路的垃圾桶三天没人清理，气味很大');
    await h.press(user, 'topic:环境保护');
    let replies = await h.press(user, 'skip');
    expect(texts(replies)).toContain('【发生地点】海西蒙古族藏族自治州格尔木市');
    replies = await h.press(user, 'edit:place');
    expect(texts(replies)).toContain('问题发生在哪里');
    replies = await h.say(user, '德令哈市长江路15号');
    expect(texts(replies)).toContain('【发生地点】德令哈市长江路15号');
    replies = await h.press(user, 'edit:phone');
    replies = await h.say(user, '+86 138-0013-8000');
    expect(texts(replies)).toContain('【联系电话】13800138000');
    expect(texts(replies)).toContain('【问题类别】环境保护');
  });

  it('goes back a step with 返回, explains the step with 帮助, and discards with 取消', async () => {
    const user = uniqueUser();
    await h.say(user, '城西区五四大街的红绿灯坏了，路口每天早上都堵车');
    await h.press(user, 'topic:交通运输');
    let replies = await h.say(user, '帮助');
    expect(texts(replies)).toContain('第 4/5 步：联系电话');
    replies = await h.say(user, '返回');
    expect(texts(replies)).toMatch(/类别/);
    replies = await h.say(user, '取消');
    expect(texts(replies)).toContain('已取消');
    expect(labels(replies)).toContain('反映问题');
    const resident = await h.services.db.resident.findFirstOrThrow({ where: { externalId: user } });
    expect(await h.services.db.submission.count({ where: { residentId: resident.id } })).toBe(0);
  });

  it('answers 转人工 with the queue or the office hours, and the emergency numbers, and records the request', async () => {
    const user = uniqueUser();
    const replies = await h.say(user, '转人工');
    // In or out of office hours (this test runs at any time), the emergency numbers come first.
    expect(texts(replies)).toMatch(/(您是下一位|前面还有 \d+ 位|非工作时间)[\s\S]*119、110 或 120/);
    const resident = await h.services.db.resident.findFirstOrThrow({ where: { externalId: user }, include: { conversations: true, handoffs: true } });
    expect(resident.conversations[0]?.handoffRequestedAt).toBeInstanceOf(Date);
    expect(resident.handoffs).toMatchObject([{ status: 'waiting', reason: 'asked' }]);
  });

  it('runs the whole report in English after switching language, including the notification', async () => {
    const user = uniqueUser();
    let replies = await h.say(user, 'English');
    expect(texts(replies)).toContain('Switched to English');
    expect(labels(replies)).toEqual(['Report a problem', 'Check progress', 'Talk to a person', 'Help']);
    replies = await h.press(user, 'menu:report');
    expect(texts(replies)).toContain('Please describe the problem');
    replies = await h.say(user, 'There is a gas leak smell in the stairwell of our building in Chengzhong every evening');
    const suggested = replies.flatMap((r) => r.buttons ?? []).find((b) => b.payload.startsWith('topic:'))!;
    replies = await h.say(user, 'yes');
    expect(texts(replies)).toContain('mobile number');
    replies = await h.press(user, 'back');
    expect(texts(replies)).toMatch(/topic/);
    expect(suggested.payload).toMatch(/^topic:/);
    replies = await h.press(user, 'topic:城乡建设');
    expect(texts(replies)).toContain('mobile number');
    replies = await h.say(user, 'skip');
    expect(texts(replies)).toContain('[Topic] Urban & rural construction');
    expect(texts(replies)).toContain('[Place] 西宁市城中区');
    const { cursor } = await h.poll(user);
    replies = await h.press(user, 'confirm');
    expect(texts(replies)).toContain('we have received your report');
    const note = await eventually(async () => (await h.poll(user, cursor)).messages.find((m) => m.text.includes('accepted as case')));
    expect(note.text).toMatch(/case QH\d{10}/);
    expect(note.text).toContain("assigned to People's Government of Chengzhong District, Xining");
    expect(note.text).toMatch(/deadline: \d{4}-\d{2}-\d{2}/);
    replies = await h.say(user, '中文');
    expect(texts(replies)).toContain('已切换为中文');
  });

  it('answers in the language the API names with lang', async () => {
    const user = uniqueUser();
    expect((await h.send(user, { text: 'hello', lang: 'en' })).replies[0]?.text).toContain('How can we help');
    expect((await h.send(user, { text: '你好', lang: 'zh' })).replies[0]?.text).toContain('请问需要办理什么');
    expect((await h.send(user, { text: '你好' })).replies[0]?.text).toContain('请问需要办理什么');
  });
});

describe('buttons from older messages', () => {
  it('are not read as the answer to the current question, which is asked again', async () => {
    const user = uniqueUser();
    await h.say(user, '你好');
    await h.say(user, '城东区八一路小区门口路面塌陷了一个星期没人管');
    const replies = await h.press(user, 'menu:report');
    expect(replies[0]?.text).toContain('按钮已经过期');
    expect(replies.at(-1)?.buttons?.some((b) => b.payload.startsWith('topic:'))).toBe(true);
  });
});

describe('what residents say besides reports', () => {
  it('understands thanks, off-topic questions, traditional characters and typos', async () => {
    const user = uniqueUser();
    expect((await h.say(user, '谢谢！'))[0]?.text).toContain('不客气');
    const offTopic = await h.say(user, '讲个笑话');
    expect(offTopic[0]?.text).toContain('政务留言助手');
    expect(offTopic[0]?.buttons?.map((b) => b.label)).toContain('反映问题');
    expect((await h.say(user, '轉人工'))[0]?.text).toMatch(/转接人工服务|非工作时间/);
    await h.say(user, '城北区的路灯全都坏了，晚上漆黑一片');
    expect((await h.say(user, 'cancle'))[0]?.text).toContain('已取消');
  });
});

describe('dates and landlines in a report', () => {
  it('keeps the day the description names and accepts a Qinghai landline', async () => {
    const user = uniqueUser();
    const yesterday = new Date(h.services.now().getTime() - 24 * 3600 * 1000).toLocaleDateString('sv-SE', { timeZone: 'Asia/Shanghai' });
    await h.say(user, '城西区胜利路从昨天开始停暖，家里只有十度，老人孩子都冻病了');
    await h.press(user, 'topic:城乡建设');
    expect(texts(await h.say(user, '0971-812345'))).toContain('不是有效的电话号码');
    const summary = texts(await h.say(user, '座机 0971-8123456'));
    expect(summary).toContain(`【发生时间】${yesterday}`);
    expect(summary).toContain('【联系电话】0971-8123456');
    await h.press(user, 'confirm');
    const resident = await h.services.db.resident.findFirstOrThrow({ where: { externalId: user } });
    const found = await eventually(async () => (await h.services.db.case.findFirst({ where: { residentId: resident.id } })) ?? undefined);
    expect(found.occurredOn?.toISOString().slice(0, 10)).toBe(yesterday);
  });
});
