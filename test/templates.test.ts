// Reply templates per topic and kind: kept by the supervision office and admins, filled in from a
// case with its number, place and department, offered in the console and by "#模板" in chat.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hashPassword } from '../bot/console/passwords.js';
import { staffErrorText } from '../core/i18n/index.js';
import { makeCase } from './support/cases.js';
import { startHarness, uniqueUser, type Harness } from './support/harness.js';

const PASSWORD = 'a long enough secret';
let h: Harness;
type Session = { cookie: string; csrf: string };
const sessions = new Map<string, Session>();

beforeAll(async () => {
  h = await startHarness({ env: { CONSOLE_COOKIE_SECURE: 'false' } });
  const { db } = h.services;
  const hash = await hashPassword(PASSWORD);
  const id = async (code: string) => (await db.department.findUniqueOrThrow({ where: { code } })).id;
  await db.staff.createMany({
    data: [
      { username: 'root', role: 'admin', passwordHash: hash },
      { username: 'li', role: 'supervisor', departmentId: await id('DCS'), passwordHash: hash },
      { username: 'cd', role: 'handler', departmentId: await id('G630102'), passwordHash: hash },
      { username: 'cz', role: 'handler', departmentId: await id('G630103'), passwordHash: hash },
    ],
  });
  for (const name of ['root', 'li', 'cd', 'cz']) {
    const res = await h.app.inject({ method: 'POST', url: '/console/api/login', payload: { username: name, password: PASSWORD } });
    sessions.set(name, { cookie: String(res.headers['set-cookie']).split(';')[0]!, csrf: res.json().csrfToken });
  }
}, 30_000);
afterAll(() => h?.close());

const call = (who: string, method: 'GET' | 'PUT' | 'POST' | 'DELETE', url: string, payload?: object) => {
  const s = sessions.get(who)!;
  return h.app.inject({ method, url, payload, headers: { cookie: s.cookie, 'x-csrf-token': s.csrf } });
};
const LIGHTS = { topic: '城乡建设', kind: 'answer', title: '路灯已修复', body: '您反映的{place}路灯问题（{caseNumber}），{department}已安排维修。' };
const ACCEPTED = { topic: null, kind: 'acceptance', title: '已受理', body: '您的留言 {caseNumber} 已受理，由{department}办理。' };
const ASK = { topic: null, kind: 'info_request', title: '请补充地点', body: '请告诉我们{place}附近的具体位置（{caseNumber}）。' };
const NOISE = { topic: '环境保护', kind: 'answer', title: '噪音', body: '不相关' };

describe('reply templates in the console', () => {
  it('are kept by the supervision office and admins, and refused with a reason when they name an unknown placeholder', async () => {
    for (const [method, url] of [['GET', ''], ['POST', ''], ['PUT', ''], ['DELETE', '/00000000-0000-4000-8000-000000000000']] as const) {
      expect((await call('cd', method, `/console/api/admin/templates${url}`, method === 'GET' || method === 'DELETE' ? undefined : LIGHTS)).statusCode).toBe(403);
    }
    expect((await call('root', 'PUT', '/console/api/admin/templates', { templates: [NOISE] })).json()).toEqual({ saved: 1 });

    const created = await call('li', 'POST', '/console/api/admin/templates', { ...LIGHTS, title: '路灯' });
    expect(created.statusCode).toBe(201);
    const { id } = created.json().template;
    expect((await call('li', 'PUT', `/console/api/admin/templates/${id}`, LIGHTS)).json().template).toEqual({ id, ...LIGHTS });
    expect((await call('root', 'GET', '/console/api/admin/templates')).json().templates.map((x: { title: string }) => x.title)).toEqual(['路灯已修复', '噪音']);

    // A misspelt placeholder is never sent to a resident: it cannot be saved, and the editor says why.
    const misspelt = await call('li', 'POST', '/console/api/admin/templates', { ...ACCEPTED, body: '您的留言 {caseNo} 已受理，地点：{地点}。' });
    expect(misspelt.statusCode).toBe(400);
    const { key, params } = misspelt.json();
    expect(staffErrorText('zh', key, params)).toBe('模板中有未知的占位符 {caseNo}，可用的只有 {caseNumber} {place} {department}。');
    expect(staffErrorText('en', key, params)).toBe('Unknown placeholder {caseNo} in the template; the placeholders are {caseNumber} {place} {department}.');
    const preview = await call('li', 'POST', '/console/api/admin/templates/preview', { body: '{地点}' });
    expect([preview.statusCode, preview.json().key]).toEqual([400, 'staffError.templatePlaceholder']);
    expect((await call('li', 'PUT', `/console/api/admin/templates/${id}`, { ...LIGHTS, body: '{department} {x}' })).statusCode).toBe(400);
    expect((await call('li', 'POST', '/console/api/admin/templates', { ...ACCEPTED, topic: '不存在的类别' })).json().key).toBe('staffError.noSuchTopic');
    expect((await call('li', 'POST', '/console/api/admin/templates', { ...ACCEPTED, kind: 'greeting' })).json().key).toBe('staffError.badRequest');
    expect((await call('li', 'POST', '/console/api/admin/templates', { ...ACCEPTED, body: '长'.repeat(2001) })).statusCode).toBe(400);
    expect((await call('root', 'PUT', '/console/api/admin/templates', { templates: [NOISE, { ...ACCEPTED, body: '{x}' }] })).statusCode).toBe(400);

    // The preview fills in sample values: today's first number, a county, the editor's department.
    const sample = await call('li', 'POST', '/console/api/admin/templates/preview', { body: LIGHTS.body });
    expect(sample.json().text).toMatch(/^您反映的\S+路灯问题（QH\d{6}0001），青海省人民政府督查室已安排维修。$/);

    const gone = await call('root', 'GET', '/console/api/admin/templates');
    const noise = gone.json().templates.find((x: { title: string }) => x.title === '噪音');
    expect((await call('root', 'DELETE', `/console/api/admin/templates/${noise.id}`)).json()).toEqual({ ok: true });
    expect((await call('root', 'DELETE', `/console/api/admin/templates/${noise.id}`)).json().key).toBe('staffError.noSuchTemplate');
    expect((await call('root', 'PUT', `/console/api/admin/templates/${noise.id}`, NOISE)).statusCode).toBe(404);
    expect((await call('root', 'GET', '/console/api/admin/templates')).json().templates).toEqual([{ id, ...LIGHTS }]);
  });

  it('are filled in from the case, for the staff who may see it, and only those they can use now', async () => {
    expect((await call('root', 'PUT', '/console/api/admin/templates', { templates: [LIGHTS, ACCEPTED, ASK, NOISE] })).json()).toEqual({ saved: 4 });
    const c = await makeCase(h.services, { status: 'assigned', departmentCode: 'G630102', set: { placeText: '八一路' } });
    const res = await call('cd', 'GET', `/console/api/cases/${c.id}/templates`);
    expect(res.statusCode).toBe(200);
    // The case's topic first; accepting is not the handler's to do on an assigned case.
    expect(res.json().templates.map((x: { title: string; text: string; actions: string[] }) => [x.title, x.text, x.actions])).toEqual([
      ['路灯已修复', `您反映的八一路路灯问题（${c.number}），西宁市城东区人民政府已安排维修。`, ['reply', 'resolve']],
      ['请补充地点', `请告诉我们八一路附近的具体位置（${c.number}）。`, ['requestInfo']],
    ]);
    // Another department's case does not exist for a handler.
    expect((await call('cz', 'GET', `/console/api/cases/${c.id}/templates`)).statusCode).toBe(404);

    // The supervision office accepting a new case signs for itself; the place falls back to the region.
    const fresh = await makeCase(h.services, { status: 'received', regionCode: '630103' });
    const office = (await call('li', 'GET', `/console/api/cases/${fresh.id}/templates`)).json().templates;
    expect(office.find((x: { title: string }) => x.title === '已受理').text).toBe(`您的留言 ${fresh.number} 已受理，由青海省人民政府督查室办理。`);
    expect(office.find((x: { title: string }) => x.title === '请补充地点').text).toBe(`请告诉我们城中区附近的具体位置（${fresh.number}）。`);
  });
});

describe('reply templates in chat', () => {
  const clerk = uniqueUser('clerk');
  const texts = (replies: { text: string }[]) => replies.map((r) => r.text);

  it('lists the fitting templates numbered with "#模板", and gives one filled in as the command to send back', async () => {
    expect((await call('root', 'PUT', '/console/api/admin/templates', { templates: [LIGHTS, ACCEPTED, ASK, NOISE] })).json()).toEqual({ saved: 4 });
    const code = (await call('cd', 'POST', '/console/api/me/chat-link')).json().code;
    await h.say(clerk, `#绑定 ${code}`);
    expect((await call('cd', 'POST', '/console/api/me/chat-link/confirm', { channel: 'webchat', userId: clerk })).statusCode).toBe(200);
    const c = await makeCase(h.services, { status: 'assigned', departmentCode: 'G630102', set: { placeText: '八一路' } });
    const other = await makeCase(h.services, { status: 'assigned', departmentCode: 'G630104' });

    expect(texts(await h.say(clerk, `#模板 ${c.number}`))).toEqual([`案件 ${c.number} 可用的回复模板：\n1. [答复] 路灯已修复\n2. [补充询问] 请补充地点\n发送“#模板 ${c.number} 序号”取用。`]);
    const filled = `您反映的八一路路灯问题（${c.number}），西宁市城东区人民政府已安排维修。`;
    expect(texts(await h.say(clerk, `#模板 ${c.number} 1`))).toEqual([`模板“路灯已修复”已按 ${c.number} 填好。复制下一条消息，需要时修改，发回即可答复居民：`, `#答复 ${c.number} ${filled}`]);
    expect(texts(await h.say(clerk, `#模板 ${c.number} 3`))).toEqual([`没有第 3 个模板。发送“#模板 ${c.number}”查看列表。`]);
    expect(texts(await h.say(clerk, `#模板 ${other.number}`)).join('\n')).toContain('没有找到您可以办理的案件');
    expect(texts(await h.say(clerk, '#帮助')).join('\n')).toContain('#模板 编号 序号');

    // Sent back as given, it is the reply.
    expect(texts(await h.say(clerk, `#答复 ${c.number} ${filled}`)).join('\n')).toContain(`已完成：答复居民（${c.number}）`);
    expect((await h.services.db.caseEvent.findMany({ where: { caseId: c.id, type: 'reply' } })).map((e) => e.note)).toEqual([filled]);

    await h.press(clerk, 'lang:en');
    expect(texts(await h.say(clerk, `#template ${c.number} 2`))).toEqual([
      `Template "请补充地点" filled in for ${c.number}. Copy the next message, edit it if needed and send it back (Ask the resident):`,
      `#ask ${c.number} 请告诉我们八一路附近的具体位置（${c.number}）。`,
    ]);
    await h.services.db.replyTemplate.deleteMany({});
    expect(texts(await h.say(clerk, `#template ${c.number}`))).toEqual([`No reply template fits case ${c.number} now.`]);
  });
});
