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
    // One number for the resident: the case number, sent when the case is made; no receipt number before it.
    expect(texts(replies)).toContain('已收到您的留言');
    expect(texts(replies)).toContain('正在登记立案');
    expect(texts(replies)).not.toMatch(/回执|[0-9A-F]{8}/);

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
    // The phone stays with the report and on the resident, where staff see it.
    const submission = await h.services.db.submission.findUniqueOrThrow({ where: { id: stored.submissionId }, include: { resident: true } });
    expect(submission.phone).toBe('13912345678');
    expect(submission.resident.phone).toBe('13912345678');
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

  it('asks to confirm the topic of a clear description, and offers the top three for a vague one', async () => {
    const clear = uniqueUser();
    await h.press(clear, 'menu:report');
    let replies = await h.say(clear, '单位拖欠我三个月工资一直不发，劳动仲裁也没结果');
    expect(texts(replies)).toContain('问题属于“劳动和社会保障”类');
    expect(labels(replies)).toContain('是，属于“劳动和社会保障”');

    const vague = uniqueUser();
    await h.press(vague, 'menu:report');
    replies = await h.say(vague, '这件事拖了很久了，一直没有人处理，请领导关注一下');
    expect(texts(replies)).toContain('请选择最符合您问题的类别');
    expect(texts(replies)).not.toContain('问题属于');
    const topics = replies.flatMap((r) => r.buttons ?? []).filter((b) => b.payload.startsWith('topic:'));
    expect(topics).toHaveLength(4);
    expect(topics.at(-1)?.label).toBe('其他类别');
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

describe('nonsense, questions about the service and failed answers', () => {
  it('does not start a report with nonsense, and hands the second one in a row to a person', async () => {
    const user = uniqueUser();
    const first = await h.say(user, 'asdfgh qwerty 啊啊啊');
    expect(texts(first)).toContain('没有理解');
    expect(texts(first)).not.toContain('类别');
    const second = await h.say(user, 'zzz ??? ……');
    expect(texts(second)).toMatch(/已为您转接人工服务，(您前面还有 [1-9]\d* 位|您是下一位)/);
    expect(await h.services.db.submission.count({ where: { resident: { externalId: user } } })).toBe(0);
  });

  it('answers questions about the service, in Chinese and English, also in the middle of a report', async () => {
    const user = uniqueUser();
    expect(texts(await h.say(user, '你们是干什么的'))).toContain('督查室');
    expect(texts(await h.say(user, '怎么反映问题'))).toContain('直接用文字描述');
    await h.press(user, 'menu:report');
    const during = await h.say(user, '要多久？');
    expect(texts(during)).toContain('10 个工作日');
    expect(texts(during)).toContain('请描述您遇到的问题');
    await h.say(user, 'English');
    expect(texts(await h.say(user, 'what is this'))).toContain('Supervision Office');
  });

  it('offers 返回, 取消 and 转人工 at every step, and hands over after two answers in a row it cannot use', async () => {
    const user = uniqueUser();
    let replies = await h.say(user, '城东区八一路的路灯坏了三天，晚上走路很黑');
    expect(labels(replies).slice(-3)).toEqual(['返回', '取消', '转人工']);
    replies = await h.say(user, 'zzz ??? ……');
    expect(texts(replies)).toContain('没有找到这个类别');
    expect(texts(replies)).not.toContain('转接人工');
    replies = await h.say(user, 'zzz ??? ……');
    expect(texts(replies)).toContain('已为您转接人工服务');
    // The question stays, with its buttons the current ones.
    expect(replies.at(-1)?.text).toContain('没有找到这个类别');
    replies = await h.press(user, 'topic:城乡建设');
    expect(texts(replies)).toContain('手机号码');
    expect(labels(replies)).toEqual(['跳过', '返回', '取消', '转人工']);
    replies = await h.press(user, 'skip');
    expect(labels(replies)).toEqual(['确认提交', '修改描述', '修改类别', '修改地点', '修改电话', '取消', '返回', '转人工']);
  });

  it('asks for a description again when it is nonsense', async () => {
    const user = uniqueUser();
    await h.press(user, 'menu:report');
    expect(texts(await h.say(user, 'asdfgh qwerty 啊啊啊啊啊啊'))).toContain('没能看懂');
  });

  it('leaves the case-number question for another request, and takes a greeting there as no wrong number and no failure', async () => {
    const user = uniqueUser();
    await h.press(user, 'menu:status');
    expect(texts(await h.say(user, '你好'))).not.toContain('不是有效');
    expect(texts(await h.say(user, '你好'))).not.toContain('转接人工');
    expect(texts(await h.say(user, '反映问题'))).toContain('请描述您遇到的问题');
  });
});

describe('what the summary and the hints say', () => {
  it('keeps the village the description names in the place', async () => {
    const user = uniqueUser();
    await h.say(user, '海东市乐都区碾伯镇七里店村的自来水已经停了五天，老人吃水很困难');
    await h.press(user, 'topic:城乡建设');
    const summary = texts(await h.press(user, 'skip'));
    expect(summary).toContain('【发生地点】海东市乐都区碾伯镇七里店村');
  });

  it('does not promise that 修改描述 adds to a description it replaces', async () => {
    const user = uniqueUser();
    const hint = texts(await h.say(user, '路'.repeat(h.services.config.DESCRIPTION_MAX_CHARS + 1)));
    expect(hint).toContain('替换');
    expect(hint).not.toContain('加入');
  });
});
