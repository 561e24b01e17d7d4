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
});
afterAll(() => h.close());

async function linkCode(): Promise<string> {
  const login = await h.app.inject({ method: 'POST', url: '/console/api/login', payload: { username: 'cd-wang', password: PASSWORD } });
  const cookie = String(login.headers['set-cookie']).split(';')[0]!;
  const res = await h.app.inject({ method: 'POST', url: '/console/api/me/chat-link', headers: { cookie, 'x-csrf-token': login.json().csrfToken } });
  return res.json().code;
}

describe('staff commands in chat', () => {
  it('links a chat account with a one-time code from the console', async () => {
    const code = await linkCode();
    expect(code).toMatch(/^\d{6}$/);
    expect(texts(await h.say(clerk, `#绑定 ${code}`))).toContain('已绑定：王科长');
    expect(texts(await h.say(uniqueUser(), `#绑定 ${code}`))).toContain('绑定码无效或已过期');
    expect(texts(await h.say(clerk, '#help'))).toContain('#答复 编号 答复内容');
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
    expect(texts(await h.say(clerk, `#办结 ${own.number}`))).toContain('缺少内容');
    expect(texts(await h.say(clerk, `#答复 ${other.number} 试试`))).toContain('没有找到您可以办理的案件');
    expect(texts(await h.say(clerk, `#办结 ${own.number} 路灯已修复`))).toContain('已完成：办结');
  });

  it('treats "#" from a resident as an ordinary message', async () => {
    const own = await makeCase(h.services, { status: 'assigned', departmentCode: 'G630102' });
    const replies = texts(await h.say(uniqueUser(), `#答复 ${own.number} 我自己办结了`));
    expect(replies).not.toContain('已完成');
    expect((await h.services.db.case.findUniqueOrThrow({ where: { id: own.id } })).status).toBe('assigned');
  });
});
