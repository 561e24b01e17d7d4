import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually, startHarness, uniqueUser, type Harness } from './support/harness.js';

let h: Harness;
let owner: string;
let number: string;
beforeAll(async () => {
  h = await startHarness({ workers: true });
  owner = uniqueUser('owner');
  await h.say(owner, '湟中区鲁沙尔镇自来水已经停了三天，家里老人没水做饭');
  await h.press(owner, 'topic:城乡建设');
  await h.say(owner, '13712345678');
  await h.press(owner, 'confirm');
  number = await eventually(async () => {
    const resident = await h.services.db.resident.findFirstOrThrow({ where: { externalId: owner } });
    return (await h.services.db.case.findFirst({ where: { residentId: resident.id, departmentId: { not: null } } }))?.number;
  });
});
afterAll(() => h.close());

const texts = (replies: { text: string }[]) => replies.map((r) => r.text).join('\n');

describe('asking for the status of a case', () => {
  it('shows the owner the status, details and timeline', async () => {
    const text = texts(await h.say(owner, `查询 ${number}`));
    expect(text).toContain(`案件 ${number}`);
    expect(text).toContain('【状态】已转办');
    expect(text).toContain('湟中区鲁沙尔镇自来水已经停了三天');
    expect(text).toContain('西宁市湟中区人民政府');
    expect(text).toMatch(/留言立案，编号 QH\d{10}/);
    expect(text).toMatch(/转交西宁市湟中区人民政府办理，办理时限 \d{4}-\d{2}-\d{2}/);
  });

  it('accepts the number typed loosely (lower case, spaces, full-width)', async () => {
    const loose = `${number.slice(0, 2).toLowerCase()} ${number.slice(2, 8)}-${number.slice(8)}`;
    expect(texts(await h.say(owner, `查询${loose}`))).toContain(`案件 ${number}`);
  });

  it('tells another resident only that the case exists, its status and last update', async () => {
    const text = texts(await h.say(uniqueUser('stranger'), `查询 ${number}`));
    expect(text).toContain(`案件 ${number} 存在，当前状态：已转办，最后更新于 `);
    expect(text).not.toContain('鲁沙尔');
    expect(text).not.toContain('湟中');
    expect(text).not.toContain('1371234');
    expect(text).not.toContain('5678');
  });

  it('lists the resident’s own cases with buttons to open them', async () => {
    const replies = await h.say(owner, '我的案件');
    expect(texts(replies)).toContain(number);
    const button = replies.flatMap((r) => r.buttons ?? []).find((b) => b.label === number);
    expect(button).toBeDefined();
    expect(texts(await h.press(owner, button!.payload))).toContain('【状态】已转办');
  });

  it('says so for an unknown number and explains the format for a malformed one', async () => {
    const user = uniqueUser();
    expect(texts(await h.say(user, '查询 QH0001010001'))).toContain('没有找到编号为 QH0001010001 的案件');
    expect(texts(await h.say(user, '查询 12345'))).toContain('“12345”不是有效的案件编号');
    expect(texts(await h.say(user, '我的案件'))).toContain('您还没有通过本渠道提交过留言');
    // Words after 查询 that hold no number are not a status question.
    expect(texts(await h.say(user, '查询社保缴费记录的网站打不开，已经一个星期了'))).not.toContain('案件编号');
  });

  it('asks for the number after 查询进度 and answers it', async () => {
    const replies = await h.press(owner, 'menu:status');
    expect(texts(replies)).toContain('请发送案件编号');
    expect(texts(await h.say(owner, number))).toContain('【状态】已转办');
  });

  it('asks again, without calling it a wrong number, when the answer to 查询进度 holds no number', async () => {
    await h.press(owner, 'menu:status');
    const again = texts(await h.say(owner, '你好'));
    expect(again).toContain('请发送要查询的案件编号');
    expect(again).not.toContain('不是有效的案件编号');
    expect(texts(await h.say(owner, number))).toContain('【状态】已转办');
  });

  it('answers a status question in the middle of a report and then repeats the pending question', async () => {
    const user = uniqueUser();
    await h.press(user, 'menu:report');
    const replies = await h.say(user, `查询 ${number}`);
    expect(texts(replies)).toContain('存在，当前状态');
    expect(replies.at(-1)?.text).toContain('请描述');
  });
});
