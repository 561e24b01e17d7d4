import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hashPassword } from '../bot/console/passwords.js';
import { startHarness, type Harness } from './support/harness.js';

const PASSWORD = 'correct horse battery';

async function withAdmin(env: Record<string, string> = {}): Promise<Harness> {
  const h = await startHarness({ env: { CONSOLE_COOKIE_SECURE: 'false', ...env } });
  await h.services.db.staff.create({ data: { username: 'admin', role: 'admin', passwordHash: await hashPassword(PASSWORD) } });
  return h;
}

const login = (h: Harness, username: string, password: string, address: string) =>
  h.app.inject({ method: 'POST', url: '/console/api/login', remoteAddress: address, payload: { username, password } });
const answer = (res: { statusCode: number; body: string }) => `${res.statusCode} ${res.body}`;

describe('console sign-in against guessing', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await withAdmin();
  });
  afterAll(() => h.close());

  it('answers a wrong password for a real name and any password for an unknown name identically', async () => {
    const real = await login(h, 'admin', 'not the password', '198.51.100.1');
    const unknown = await login(h, 'no-such-admin', 'not the password', '198.51.100.1');
    expect(real.statusCode).toBe(401);
    expect(answer(unknown)).toBe(answer(real));
  });

  it('stops 20 parallel wrong passwords at five, the same for a real and an unknown name, locking only the guessing address out', async () => {
    const burst = (username: string, address: string) =>
      Promise.all(Array.from({ length: 20 }, (_, i) => login(h, username, `wrong password ${i}`, address)));
    const [real, unknown] = await Promise.all([burst('admin', '203.0.113.10'), burst('nobody-at-all', '203.0.113.11')]);
    expect(real.filter((r) => r.statusCode === 401)).toHaveLength(5);
    expect(real.filter((r) => r.statusCode === 423)).toHaveLength(15);
    expect(unknown.map(answer).sort()).toEqual(real.map(answer).sort());

    const refused = await login(h, 'admin', PASSWORD, '203.0.113.10');
    expect(refused.statusCode).toBe(423);
    expect(Number(refused.headers['retry-after'])).toBeGreaterThan(0);
    // The administrator, from anywhere else, is not locked out.
    expect((await login(h, 'admin', PASSWORD, '192.0.2.77')).statusCode).toBe(200);
  });
});

describe('a console sign-in lock', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await withAdmin({ CONSOLE_LOCKOUT_MINUTES: '0.1' });
  });
  afterAll(() => h.close());

  it('lifts after CONSOLE_LOCKOUT_MINUTES', async () => {
    await Promise.all(Array.from({ length: 5 }, () => login(h, 'admin', 'wrong password', '203.0.113.20')));
    const refused = await login(h, 'admin', PASSWORD, '203.0.113.20');
    expect(refused.statusCode).toBe(423);
    await new Promise((r) => setTimeout(r, Number(refused.headers['retry-after']) * 1000 + 200));
    expect((await login(h, 'admin', PASSWORD, '203.0.113.20')).statusCode).toBe(200);
  }, 20_000);
});
