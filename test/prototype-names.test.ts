import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hashPassword } from '../bot/console/passwords.js';
import { eventually, startHarness, uniqueUser, type Harness } from './support/harness.js';

// Names every plain object inherits: a lookup table keyed by what people send must not find them.
const NAMES = ['constructor', 'toString', '__proto__', 'hasOwnProperty', 'valueOf'];
const PASSWORD = 'a long enough secret';

let h: Harness;
const texts = (replies: { text: string }[]) => replies.map((r) => r.text).join('\n');
/** The texts the resident reads (the suggested topics' buttons depend on the words). */
const seen = (replies: { text: string }[]) => replies.map((r) => r.text);

beforeAll(async () => {
  h = await startHarness({ env: { OFFICE_HOURS: 'always', CONSOLE_COOKIE_SECURE: 'false' } });
});
afterAll(() => h.close());

/** The same letters in reverse: a word no object has as a property, of the same length and make-up. */
function sameShape(name: string): string {
  const letters = [...name.replace(/[^a-z]/gi, '')].reverse();
  return name.replace(/[a-z]/gi, () => letters.shift()!);
}

describe('Object.prototype names sent from outside', () => {
  it('as button payloads get the menu, as after any button that is no longer current', async () => {
    for (const name of NAMES) {
      const res = await h.send(uniqueUser(), { payload: name });
      expect(res.status, name).toBe(200);
      expect(texts(res.replies), name).toContain('这个按钮已经过期了');
      expect(res.replies.at(-1)?.buttons?.map((b) => b.payload), name).toEqual(['menu:report', 'menu:status', 'menu:human', 'menu:help']);
    }
  });

  it('as typed text get the answer any word of the same shape gets', async () => {
    for (const name of NAMES) {
      const res = await h.send(uniqueUser(), { text: name });
      expect(res.status, name).toBe(200);
      expect(res.replies.length, name).toBeGreaterThan(0);
      expect(seen(res.replies), name).toEqual(seen(await h.say(uniqueUser(), sameShape(name))));
    }
  });

  it('as staff commands from a linked chat account get the list of commands', async () => {
    const clerk = uniqueUser('clerk');
    const department = await h.services.db.department.findUniqueOrThrow({ where: { code: 'G630102' } });
    await h.services.db.staff.create({
      data: { username: 'proto-clerk', role: 'handler', departmentId: department.id, passwordHash: 'x', chatChannel: 'webchat', chatUserId: clerk },
    });
    for (const name of NAMES) {
      const res = await h.send(clerk, { text: `#${name} QH2001019999 内容` });
      expect(res.status, name).toBe(200);
      expect(texts(res.replies), name).toContain('工作人员命令（# 开头）');
    }
    // From a resident, "#constructor" is an ordinary message.
    expect(seen(await h.say(uniqueUser(), '#constructor'))).toEqual(seen(await h.say(uniqueUser(), sameShape('#constructor'))));
  });

  it('as console handoff actions are unknown (404), never run', async () => {
    const office = await h.services.db.department.findUniqueOrThrow({ where: { code: 'DCS' } });
    await h.services.db.staff.create({ data: { username: 'proto-office', role: 'supervisor', departmentId: office.id, passwordHash: await hashPassword(PASSWORD) } });
    const login = await h.app.inject({ method: 'POST', url: '/console/api/login', payload: { username: 'proto-office', password: PASSWORD } });
    const headers = { cookie: String(login.headers['set-cookie']).split(';')[0]!, 'x-csrf-token': login.json().csrfToken };
    const user = uniqueUser();
    await h.say(user, '转人工');
    const { id } = await eventually(async () => (await h.services.db.handoff.findFirst({ where: { resident: { externalId: user } } })) ?? undefined);
    for (const name of NAMES) {
      const res = await h.app.inject({ method: 'POST', url: `/console/api/handoffs/${id}/${encodeURIComponent(name)}`, payload: {}, headers });
      expect(res.statusCode, name).toBe(404);
      expect(res.json(), name).toEqual({ error: 'no such action', key: 'staffError.noSuchAction', params: {} });
    }
    // The conversation was not touched.
    expect(await h.services.db.handoff.findUniqueOrThrow({ where: { id } })).toMatchObject({ status: 'waiting', staffId: null });
  });
});
