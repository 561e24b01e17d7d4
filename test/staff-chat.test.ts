import { randomInt } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hashPassword } from '../bot/console/passwords.js';
import { makeCase } from './support/cases.js';
import { eventually, startHarness, uniqueUser, type Harness } from './support/harness.js';

let h: Harness;
const PASSWORD = 'a long enough secret';
const clerk = uniqueUser('clerk');

const texts = (replies: { text: string }[]) => replies.map((r) => r.text).join('\n');

beforeAll(async () => {
  h = await startHarness({ workers: true, env: { CONSOLE_COOKIE_SECURE: 'false' } });
  const department = await h.services.db.department.findUniqueOrThrow({ where: { code: 'G630102' } });
  await h.services.db.staff.create({ data: { username: 'cd-wang', displayName: '王科长', role: 'handler', departmentId: department.id, passwordHash: await hashPassword(PASSWORD) } });
  const office = await h.services.db.department.findUniqueOrThrow({ where: { code: 'DCS' } });
  await h.services.db.staff.create({ data: { username: 'dcs-li', displayName: '李督查', role: 'supervisor', departmentId: office.id, passwordHash: await hashPassword(PASSWORD) } });
});
afterAll(() => h.close());

type Console = { cookie: string; csrf: string };

async function signIn(username = 'cd-wang'): Promise<Console> {
  const login = await h.app.inject({ method: 'POST', url: '/console/api/login', payload: { username, password: PASSWORD } });
  return { cookie: String(login.headers['set-cookie']).split(';')[0]!, csrf: login.json().csrfToken };
}
const consoleCall = (s: Console, method: 'GET' | 'POST', path: string, payload?: object) =>
  h.app.inject({ method, url: `/console/api/me/chat-link${path}`, payload, headers: { cookie: s.cookie, 'x-csrf-token': s.csrf } });
const newCode = async (s: Console): Promise<string> => (await consoleCall(s, 'POST', '')).json().code;
const linkState = async (s: Console) => (await consoleCall(s, 'GET', '')).json();

// A code of the right shape that is not the one issued.
const randomCode = () => Array.from({ length: 32 }, () => 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567'[randomInt(32)]).join('');
const PENDING = '请回到工作台确认绑定';
const BAD_CODE = '绑定码无效或已过期';
const BLOCKED = '绑定码错误次数过多';

describe('staff commands in chat', () => {
  it('links a chat account only when the staff member confirms, in the console, the account that sent the code', async () => {
    const s = await signIn();
    const first = await newCode(s);
    const code = await newCode(s);
    expect(code).toMatch(/^[A-Z2-7]{32}$/);
    // A new code cancels the one before it.
    expect(texts(await h.say(uniqueUser(), `#绑定 ${first}`))).toContain(BAD_CODE);

    // Someone else who got hold of the code: only a pending link, and it does nothing.
    const stranger = uniqueUser('stranger');
    const own = await makeCase(h.services, { status: 'assigned', departmentCode: 'G630102', description: '东关大街路灯不亮，晚上很黑很危险' });
    expect(texts(await h.say(stranger, `#绑定 ${code}`))).toContain(PENDING);
    expect(texts(await h.say(stranger, `#案件 ${own.number}`))).not.toMatch(/东关大街|最近记录|承办单位/);
    expect(texts(await h.say(stranger, '#help'))).not.toContain('#答复 编号 答复内容');
    expect(await linkState(s)).toMatchObject({ linked: null, pending: { channel: 'webchat', userId: stranger } });
    // The staff member does not confirm the stranger: a new code drops the request.
    expect(texts(await h.say(clerk, `#绑定 ${code}`))).toContain(BAD_CODE);
    const mine = await newCode(s);
    expect((await linkState(s)).pending).toBeNull();

    expect(texts(await h.say(clerk, `#绑定 ${mine.toLowerCase().replace(/(.{8})/g, '$1 ')}`))).toContain(PENDING);
    expect(texts(await h.say(clerk, '#help'))).not.toContain('#答复 编号 答复内容');
    // Confirming an account other than the one waiting, or without the CSRF token, changes nothing.
    expect((await consoleCall(s, 'POST', '/confirm', { channel: 'webchat', userId: stranger })).statusCode).toBe(409);
    expect((await consoleCall({ ...s, csrf: 'forged' }, 'POST', '/confirm', { channel: 'webchat', userId: clerk })).statusCode).toBe(403);
    const confirmed = await consoleCall(s, 'POST', '/confirm', { channel: 'webchat', userId: clerk });
    expect(confirmed.statusCode).toBe(200);
    expect(confirmed.json()).toEqual({ linked: { channel: 'webchat', userId: clerk }, pending: null });

    expect(texts(await h.say(clerk, '#help'))).toContain('#答复 编号 答复内容');
    expect(texts(await h.say(clerk, `#案件 ${own.number}`))).toContain('东关大街路灯不亮');
    expect(texts(await h.say(stranger, `#案件 ${own.number}`))).not.toContain('东关大街路灯不亮');
  });

  it('stops a chat account guessing after five wrong codes, the real code included', async () => {
    const s = await signIn();
    const code = await newCode(s);
    const guesser = uniqueUser('guesser');
    for (let i = 0; i < 5; i++) expect(texts(await h.say(guesser, `#绑定 ${randomCode()}`))).toContain(BAD_CODE);
    expect(texts(await h.say(guesser, `#绑定 ${randomCode()}`))).toContain(BLOCKED);
    expect(texts(await h.say(guesser, `#绑定 ${code}`))).toContain(BLOCKED);
    expect((await linkState(s)).pending).toBeNull();
    // Guesses elsewhere did not spend the staff member's code.
    const colleague = uniqueUser('colleague');
    expect(texts(await h.say(colleague, `#绑定 ${code}`))).toContain(PENDING);
  });

  it('cancels a code after five wrong tries at it, whichever accounts they come from', async () => {
    const s = await signIn();
    const code = await newCode(s);
    // The same first characters (which name the code) with a wrong secret after them.
    for (let i = 0; i < 5; i++) expect(texts(await h.say(uniqueUser(), `#绑定 ${code.slice(0, 6)}${randomCode().slice(6)}`))).toContain(BAD_CODE);
    expect(texts(await h.say(uniqueUser(), `#绑定 ${code}`))).toContain(BAD_CODE);
    expect((await linkState(s)).pending).toBeNull();
  });

  it('runs the staff actions on the department’s own cases, with the same checks as the console', async () => {
    const own = await makeCase(h.services, { status: 'assigned', departmentCode: 'G630102' });
    const other = await makeCase(h.services, { status: 'assigned', departmentCode: 'G630104' });

    expect(texts(await h.say(clerk, `#案件 ${own.number}`))).toMatch(new RegExp(`案件 ${own.number}｜已转办[\\s\\S]*西宁市城东区人民政府`));
    expect(texts(await h.say(clerk, `#案件 ${other.number}`))).toContain('没有找到您可以办理的案件');

    expect(texts(await h.say(clerk, `#答复 ${own.number} 已安排维修人员，周五前修好。`))).toContain(`已完成：答复居民（${own.number}）`);
    await eventually(async () => ((await h.poll(own.user)).messages.some((m) => m.text.includes('已安排维修人员，周五前修好。')) ? true : undefined));
    expect((await h.services.db.case.findUniqueOrThrow({ where: { id: own.id } })).status).toBe('in_progress');

    expect(texts(await h.say(clerk, `#督办 ${own.number}`))).toContain('您的角色不能做这项操作');
    expect(texts(await h.say(clerk, `#办结 ${own.number}`))).toContain(`未办理：请填写办理结果。（格式如“#办结 ${own.number} …”`);
    expect(texts(await h.say(clerk, `#答复 ${other.number} 试试`))).toContain('没有找到您可以办理的案件');
    expect(texts(await h.say(clerk, `#办结 ${own.number} 路灯已修复`))).toContain('已完成：办结');
  });

  it('corrects a case’s topic and place from chat, kept as labelled examples as in the console', async () => {
    const c = await makeCase(h.services, { status: 'assigned', departmentCode: 'G630102', set: { topic: '环境保护' } });
    const stored = () => h.services.db.case.findUniqueOrThrow({ where: { id: c.id }, include: { topicCorrections: true, placeCorrections: true } });

    expect(texts(await h.say(clerk, `#类别 ${c.number} 没有的类别`))).toContain('没有这个类别');
    expect(texts(await h.say(clerk, `#类别 ${c.number} 城乡建设/城市建设和市政管理`))).toContain(`已完成：更正类别（${c.number}）`);
    expect(texts(await h.say(clerk, `#地点 ${c.number} 城西区五四大街`))).toContain(`已完成：更正地点（${c.number}）`);
    const after = await stored();
    expect(after).toMatchObject({ topic: '城乡建设/城市建设和市政管理', placeText: '城西区五四大街', regionCode: '630104' });
    expect(after.topicCorrections).toMatchObject([{ fromTopic: '环境保护', toTopic: '城乡建设/城市建设和市政管理' }]);
    expect(after.placeCorrections).toHaveLength(1);
    // Words that name no county keep the region the case has.
    expect(texts(await h.say(clerk, `#地点 ${c.number} 五四大街12号`))).toContain(`已完成：更正地点（${c.number}）`);
    expect(await stored()).toMatchObject({ placeText: '五四大街12号', regionCode: '630104' });
    expect(texts(await h.say(clerk, '#帮助'))).toContain('#类别 编号');
  });

  it('reviews answers and decides requests from chat, as the console does', async () => {
    // The supervisor links a chat account too.
    const boss = uniqueUser('boss');
    const s = await signIn('dcs-li');
    expect(texts(await h.say(boss, `#绑定 ${await newCode(s)}`))).toContain(PENDING);
    expect((await consoleCall(s, 'POST', '/confirm', { channel: 'webchat', userId: boss })).statusCode).toBe(200);
    const c = await makeCase(h.services, { status: 'assigned', departmentCode: 'G630102', set: { deadline: new Date('2030-06-10T15:59:59Z') } });
    const status = async () => (await h.services.db.case.findUniqueOrThrow({ where: { id: c.id } })).status;

    expect(texts(await h.say(clerk, `#办结 ${c.number} 路灯已修复`))).toContain('已完成：办结');
    expect(await status()).toBe('in_review');
    expect(texts(await h.say(clerk, `#通过 ${c.number}`))).toContain('您的角色不能做这项操作');
    expect(texts(await h.say(boss, `#退回 ${c.number} 请附上修复后的照片`))).toContain('已完成：退回重办');
    expect(await status()).toBe('in_progress');

    expect(texts(await h.say(clerk, `#延期 ${c.number} 2030-06-20 需要采购灯具`))).toContain('已完成：申请延期');
    expect(texts(await h.say(boss, `#驳回 ${c.number} 时限内可以完成`))).toContain('已完成：不同意申请');
    expect(texts(await h.say(clerk, `#退单 ${c.number} 该路段不归我们管`))).toContain('已完成：申请退单');
    expect(texts(await h.say(boss, `#同意 ${c.number}`))).toContain('已完成：同意申请');
    expect(await status()).toBe('accepted');
    expect(texts(await h.say(boss, '#帮助'))).toContain('#通过 编号');
  });

  it('shows the open supervision projects and their cases, a handler only their department’s part', async () => {
    const office = uniqueUser('office');
    const s = await signIn('dcs-li');
    expect(texts(await h.say(office, `#绑定 ${await newCode(s)}`))).toContain(PENDING);
    expect((await consoleCall(s, 'POST', '/confirm', { channel: 'webchat', userId: office })).statusCode).toBe(200);
    const own = await makeCase(h.services, { status: 'assigned', departmentCode: 'G630102' });
    const other = await makeCase(h.services, { status: 'assigned', departmentCode: 'G630104', regionCode: '630104' });
    const department = await h.services.db.department.findUniqueOrThrow({ where: { code: 'G630102' } });
    const opened = await h.app.inject({
      method: 'POST',
      url: '/console/api/projects',
      headers: { cookie: s.cookie, 'x-csrf-token': s.csrf },
      payload: { title: '路灯不亮专项督查', reason: '多处路灯长期不亮', departmentId: department.id, deadline: '2030-12-31', caseNumbers: [own.number, other.number] },
    });
    expect(opened.statusCode).toBe(201);
    const { code } = opened.json() as { code: string };

    const list = texts(await h.say(office, '#专项'));
    expect(list).toMatch(new RegExp(`${code} 路灯不亮专项督查｜进行中\\n牵头：西宁市城东区人民政府｜时限 2030-12-31｜办结 0/2（0%）`));
    const whole = texts(await h.say(office, `#专项 ${code.toLowerCase()}`));
    expect(whole).toContain('事由：多处路灯长期不亮');
    expect(whole).toContain(`${own.number}｜已转办`);
    expect(whole).toContain(`${other.number}｜已转办`);
    // The department's handler: the project it leads, over its own case only.
    expect(texts(await h.say(clerk, '#专项'))).toContain(`${code} 路灯不亮专项督查｜进行中\n牵头：西宁市城东区人民政府｜时限 2030-12-31｜办结 0/1（0%）`);
    const part = texts(await h.say(clerk, `#专项 ${code}`));
    expect(part).toContain(own.number);
    expect(part).not.toContain(other.number);
    expect(texts(await h.say(clerk, '#专项 ZX-99999'))).toContain('没有找到您可以查看的专项督查 ZX-99999');
    expect(texts(await h.say(clerk, '#专项 __proto__'))).toContain('没有找到您可以查看的专项督查');
    expect(texts(await h.say(clerk, '#帮助'))).toContain('#专项 ZX-0001');
  });

  it('treats "#" from a resident as an ordinary message', async () => {
    const own = await makeCase(h.services, { status: 'assigned', departmentCode: 'G630102' });
    const replies = texts(await h.say(uniqueUser(), `#答复 ${own.number} 我自己办结了`));
    expect(replies).not.toContain('已完成');
    expect((await h.services.db.case.findUniqueOrThrow({ where: { id: own.id } })).status).toBe('assigned');
  });
});
