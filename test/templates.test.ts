// Reply templates per topic and kind, with the case's number, place and department filled in.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hashPassword } from '../bot/console/passwords.js';
import { makeCase } from './support/cases.js';
import { startHarness, type Harness } from './support/harness.js';

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
      { username: 'cd', role: 'handler', departmentId: await id('G630102'), passwordHash: hash },
      { username: 'cz', role: 'handler', departmentId: await id('G630103'), passwordHash: hash },
    ],
  });
  for (const name of ['root', 'cd', 'cz']) {
    const res = await h.app.inject({ method: 'POST', url: '/console/api/login', payload: { username: name, password: PASSWORD } });
    sessions.set(name, { cookie: String(res.headers['set-cookie']).split(';')[0]!, csrf: res.json().csrfToken });
  }
}, 30_000);
afterAll(() => h?.close());

const call = (who: string, method: 'GET' | 'PUT', url: string, payload?: object) => {
  const s = sessions.get(who)!;
  return h.app.inject({ method, url, payload, headers: { cookie: s.cookie, 'x-csrf-token': s.csrf } });
};

describe('reply templates', () => {
  it('are edited by admins and filled in from the case for the staff who may see it', async () => {
    const templates = [
      { topic: '城乡建设', kind: 'answer', title: '路灯已修复', body: '您反映的{place}路灯问题（{caseNumber}），{department}已安排维修。' },
      { topic: null, kind: 'acceptance', title: '已受理', body: '您的留言 {caseNumber} 已受理，由{department}办理。{unknown}' },
      { topic: '环境保护', kind: 'answer', title: '噪音', body: '不相关' },
    ];
    expect((await call('cd', 'PUT', '/console/api/admin/templates', { templates })).statusCode).toBe(403);
    expect((await call('root', 'PUT', '/console/api/admin/templates', { templates: [{ kind: 'greeting', title: 'x', body: 'y' }] })).statusCode).toBe(400);
    expect((await call('root', 'PUT', '/console/api/admin/templates', { templates })).json()).toEqual({ saved: 3 });
    expect((await call('root', 'GET', '/console/api/admin/templates')).json().templates).toHaveLength(3);

    const c = await makeCase(h.services, { status: 'assigned', departmentCode: 'G630102', set: { placeText: '八一路' } });
    const res = await call('cd', 'GET', `/console/api/cases/${c.id}/templates`);
    expect(res.statusCode).toBe(200);
    expect(res.json().templates.map((x: { title: string; text: string }) => [x.title, x.text])).toEqual([
      ['路灯已修复', `您反映的八一路路灯问题（${c.number}），西宁市城东区人民政府已安排维修。`],
      ['已受理', `您的留言 ${c.number} 已受理，由西宁市城东区人民政府办理。{unknown}`],
    ]);
    // Another department's case does not exist for a handler.
    expect((await call('cz', 'GET', `/console/api/cases/${c.id}/templates`)).statusCode).toBe(404);
  });
});
