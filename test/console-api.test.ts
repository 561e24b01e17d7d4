import { execFile } from 'node:child_process';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hashPassword } from '../bot/console/passwords.js';
import { deadlineFor } from '../core/cases/deadlines.js';
import { makeCase } from './support/cases.js';
import { eventually, startHarness, uniqueUser, type Harness } from './support/harness.js';

let h: Harness;
const PASSWORD = 'correct horse battery';

beforeAll(async () => {
  // Many sign-ins from one test address: the per-address limit is raised (and tested from another address).
  h = await startHarness({ workers: true, env: { OFFICE_HOURS: 'always', CONSOLE_COOKIE_SECURE: 'false', CONSOLE_LOGIN_ATTEMPTS_PER_IP: '60' } });
  const db = h.services.db;
  const hash = await hashPassword(PASSWORD);
  const dept = async (code: string) => (await db.department.findUniqueOrThrow({ where: { code } })).id;
  await db.staff.createMany({
    data: [
      { username: 'office', role: 'supervisor', departmentId: await dept('DCS'), passwordHash: hash },
      { username: 'office2', role: 'supervisor', departmentId: await dept('DCS'), passwordHash: hash },
      { username: 'chengdong', role: 'handler', departmentId: await dept('G630102'), passwordHash: hash },
      { username: 'chengdong2', role: 'handler', departmentId: await dept('G630102'), passwordHash: hash },
      { username: 'chengdong3', role: 'handler', departmentId: await dept('G630102'), passwordHash: hash },
      { username: 'admin', role: 'admin', passwordHash: hash },
    ],
  });
  // The live stream is read over a real connection.
  await h.app.listen({ host: '127.0.0.1', port: 0 });
  base = `http://127.0.0.1:${(h.app.server.address() as AddressInfo).port}`;
});
afterAll(() => h.close());
let base: string;

type Session = { cookie: string; csrf: string };

async function login(username: string, password = PASSWORD) {
  return h.app.inject({ method: 'POST', url: '/console/api/login', payload: { username, password } });
}

async function signIn(username: string): Promise<Session> {
  const res = await login(username);
  expect(res.statusCode).toBe(200);
  const cookie = String(res.headers['set-cookie']).split(';')[0]!;
  return { cookie, csrf: res.json().csrfToken };
}

const get = (s: Session | null, url: string) => h.app.inject({ method: 'GET', url, headers: s ? { cookie: s.cookie } : {} });
const post = (s: Session | null, url: string, payload: object = {}, headers: Record<string, string> = {}) =>
  h.app.inject({ method: 'POST', url, payload, headers: { ...(s ? { cookie: s.cookie, 'x-csrf-token': s.csrf } : {}), ...headers } });

describe('signing in', () => {
  it('sets an HttpOnly, SameSite=Strict session cookie scoped to the console', async () => {
    const res = await login('office');
    expect(res.statusCode).toBe(200);
    const cookie = String(res.headers['set-cookie']);
    expect(cookie).toMatch(/^tm_console=[A-Za-z0-9_-]{40,};/);
    expect(cookie).toContain('HttpOnly');
    expect(cookie).toContain('SameSite=Strict');
    expect(cookie).toContain('Path=/console');
    expect(res.json()).toMatchObject({ staff: { username: 'office', role: 'supervisor' }, csrfToken: expect.any(String) });
    expect(JSON.stringify(res.json())).not.toContain('passwordHash');
  });

  it('limits sign-in attempts per address, whatever the names tried', async () => {
    const from = (n: number) => h.app.inject({ method: 'POST', url: '/console/api/login', remoteAddress: '203.0.113.9', payload: { username: `guess${n}`, password: 'wrong password' } });
    for (let i = 0; i < 60; i++) expect((await from(i)).statusCode).toBe(401);
    const refused = await from(60);
    expect(refused.statusCode).toBe(429);
    expect(refused.headers['retry-after']).toBe('600');
  });

  it('answers 401 to anonymous calls, known and unknown paths alike', async () => {
    for (const url of ['/console/api/me', '/console/api/cases', '/console/api/anything/at/all', '/console/queues']) {
      expect((await get(null, url)).statusCode, url).toBe(401);
    }
  });

  it('requires the CSRF token on changes, refuses other sites, and signs out for good', async () => {
    const s = await signIn('office');
    expect((await post({ ...s, csrf: 'forged' }, '/console/api/logout')).statusCode).toBe(403);
    expect((await post(s, '/console/api/logout', {}, { origin: 'https://evil.example' })).statusCode).toBe(403);
    expect((await post(s, '/console/api/logout', {}, { origin: 'null' })).statusCode).toBe(403);
    expect((await post(s, '/console/api/logout', {}, { 'sec-fetch-site': 'same-site' })).statusCode).toBe(403);
    expect((await post(s, '/console/api/logout')).statusCode).toBe(200);
    expect((await get(s, '/console/api/me')).statusCode).toBe(401);
  });

  it('serves the console page with a content security policy', async () => {
    const res = await get(null, '/console');
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-security-policy']).toContain("script-src 'self'");
    expect(res.body).toContain('/console/desk.js');
  });
});

describe('roles and departments', () => {
  it('shows a handler only their department’s cases, and 404 for another’s, through every route', async () => {
    const own = await makeCase(h.services, { status: 'assigned', departmentCode: 'G630102' });
    const other = await makeCase(h.services, { status: 'assigned', departmentCode: 'G630104' });
    const handler = await signIn('chengdong');
    const list = (await get(handler, '/console/api/cases?pageSize=100')).json();
    const numbers = list.cases.map((c: { number: string }) => c.number);
    expect(numbers).toContain(own.number);
    expect(numbers).not.toContain(other.number);
    expect((await get(handler, `/console/api/cases/${other.id}`)).statusCode).toBe(404);
    expect((await post(handler, `/console/api/cases/${other.id}/reply`, { text: '我们看看' })).statusCode).toBe(404);
    expect((await post(handler, `/console/api/cases/${own.id}/supervise`)).statusCode).toBe(403);

    const replied = await post(handler, `/console/api/cases/${own.id}/reply`, { text: '已派人查看。' });
    expect(replied.statusCode).toBe(200);
    const detail = (await get(handler, `/console/api/cases/${own.id}`)).json();
    expect(detail.status).toBe('in_progress');
    // The timeline in words, with who acted by name.
    expect(detail.events).toContainEqual(expect.objectContaining({ type: 'reply', text: '承办单位答复：已派人查看。', actorName: 'chengdong' }));
  });

  it('lets the office filter and search all cases', async () => {
    const found = await makeCase(h.services, { status: 'assigned', departmentCode: 'G630104', description: '城西区胜利路井盖丢失，夜间危险', regionCode: '630104', set: { overdueAt: h.services.now() } });
    const office = await signIn('office');
    const search = (await get(office, `/console/api/cases?q=${encodeURIComponent('井盖丢失')}`)).json();
    expect(search.cases.map((c: { id: string }) => c.id)).toEqual([found.id]);
    const overdue = (await get(office, '/console/api/cases?overdue=true&region=630104')).json();
    expect(overdue.cases.map((c: { id: string }) => c.id)).toContain(found.id);
    expect((await get(office, '/console/api/cases?status=nonsense')).statusCode).toBe(400);
  });

  it('keeps the queue dashboard for admins', async () => {
    expect((await get(await signIn('office'), '/console/queues')).statusCode).toBe(403);
    expect((await get(await signIn('admin'), '/console/queues')).statusCode).toBe(200);
  });
});

describe('administration', () => {
  it('lets an admin disable an account, which ends its sessions, and keeps this from everyone else', async () => {
    const admin = await signIn('admin');
    const office2 = await signIn('office2');
    expect((await get(office2, '/console/api/admin/staff')).statusCode).toBe(403);
    const { staff } = (await get(admin, '/console/api/admin/staff')).json();
    const target = staff.find((s: { username: string }) => s.username === 'office2');
    expect(JSON.stringify(staff)).not.toContain('passwordHash');
    expect((await post(admin, `/console/api/admin/staff/${target.id}`, { disabled: true })).statusCode).toBe(200);
    expect((await get(office2, '/console/api/me')).statusCode).toBe(401);
    expect((await login('office2')).statusCode).toBe(401);
    await post(admin, `/console/api/admin/staff/${target.id}`, { disabled: false });
    expect((await login('office2')).statusCode).toBe(200);
  });

  it('exports the routing rules as CSV and imports them back, refusing a bad file by line', async () => {
    const admin = await signIn('admin');
    const exported = await get(admin, '/console/api/admin/routing');
    expect(exported.headers['content-type']).toContain('text/csv');
    const csv = exported.body;
    const send = (body: string) =>
      h.app.inject({ method: 'POST', url: '/console/api/admin/routing', payload: body, headers: { cookie: admin.cookie, 'x-csrf-token': admin.csrf, 'content-type': 'text/csv' } });
    const back = await send(csv);
    expect(back.statusCode).toBe(200);
    expect(back.json().imported).toBe(csv.trim().split('\n').length - 1);
    const broken = await send(`${csv.trim()}\n999999,,城乡建设,NOPE,,100\n`);
    expect(broken.statusCode).toBe(400);
    expect(broken.json().errors[0].line).toBe(csv.trim().split('\n').length + 1);
  });
});

describe('the holiday calendar', () => {
  it('lets an admin replace a year of holidays, which deadlines then follow', async () => {
    const admin = await signIn('admin');
    const days = [
      { day: '2027-01-01', name: '元旦' },
      { day: '2027-01-04', name: '测试假日' },
    ];
    expect((await post(admin, '/console/api/admin/holidays', { year: 2027, days })).json()).toEqual({ saved: 2 });
    expect((await post(admin, '/console/api/admin/holidays', { year: 2027, days: [{ day: '2026-12-31', name: 'x' }] })).statusCode).toBe(400);
    expect((await post(admin, '/console/api/admin/holidays', { year: 2027, days: [{ day: '2027-02-30', name: 'x' }] })).statusCode).toBe(400);
    const stored = (await get(admin, '/console/api/admin/holidays')).json().days.filter((d: { day: string }) => d.day.startsWith('2027'));
    expect(stored.map((d: { day: string }) => d.day)).toEqual(['2027-01-01', '2027-01-04']);
    // The 2026 days seeded by default are still there.
    expect((await get(admin, '/console/api/admin/holidays')).json().days.some((d: { day: string }) => d.day === '2026-10-01')).toBe(true);
    // Thursday 31 December 2026, urgent (one working day): Friday 1 January and Monday 4 January are off → Tuesday 5 January.
    const due = await deadlineFor(h.services.db, h.services.config, 'urgent', new Date('2026-12-31T02:00:00Z'));
    expect(due.toISOString()).toBe('2027-01-05T15:59:59.000Z');
  });
});

describe('handoff through the console API', () => {
  it('gives a conversation to one of two staff, keeps the bot silent while held, and resumes on release', async () => {
    const user = uniqueUser();
    await h.say(user, '转人工');
    const [a, b] = [await signIn('office'), await signIn('office2')];
    const waiting = (await get(a, '/console/api/handoffs')).json().handoffs;
    const mine = waiting.at(-1);
    const [first, second] = await Promise.all([post(a, `/console/api/handoffs/${mine.id}/claim`), post(b, `/console/api/handoffs/${mine.id}/claim`)]);
    expect([first.statusCode, second.statusCode].sort()).toEqual([200, 409]);
    const holder = first.statusCode === 200 ? a : b;
    const other = holder === a ? b : a;

    expect(await h.say(user, '我家门口的路灯坏了')).toEqual([]);
    const convo = (await get(holder, `/console/api/handoffs/${mine.id}`)).json();
    expect(convo.messages.map((m: { text: string }) => m.text)).toContain('我家门口的路灯坏了');

    expect((await post(holder, `/console/api/handoffs/${mine.id}/say`, { text: '请问是哪条路？' })).statusCode).toBe(200);
    await eventually(async () => ((await h.poll(user)).messages.some((m) => m.text === '请问是哪条路？') ? true : undefined));
    expect((await post(holder, `/console/api/handoffs/${mine.id}/say`, { text: '' })).statusCode).toBe(400);
    // A colleague who does not hold it can still see it, but only the office roles may step in.
    expect((await post(other, `/console/api/handoffs/${mine.id}/claim`)).statusCode).toBe(409);

    expect((await post(holder, `/console/api/handoffs/${mine.id}/release`)).statusCode).toBe(200);
    expect((await h.say(user, '你好')).map((r) => r.text).join()).toContain('请问需要办理什么');
  });

  it('streams live events to a signed-in console only', async () => {
    expect((await get(null, '/console/api/stream')).statusCode).toBe(401);
  });

  it('stops telling the previous holder what the resident says once the conversation is transferred', async () => {
    const { id, user } = await handedTo('chengdong');
    const [before, after] = [await openStream(await signIn('chengdong')), await openStream(await signIn('chengdong2'))];
    expect((await post(await signIn('office'), `/console/api/handoffs/${id}/transfer`, { staffId: await staffId('chengdong2') })).statusCode).toBe(200);
    await eventually(async () => (before.text.includes('handoff.transferred') ? true : undefined));
    expect(await h.say(user, '我的电话是13900001111，门牌号12号')).toEqual([]);
    await eventually(async () => (after.text.includes('13900001111') ? true : undefined));
    // The same Redis message reached both streams; give the earlier holder's time to be (wrongly) written.
    await new Promise((r) => setTimeout(r, 500));
    expect(before.text).not.toContain('13900001111');
    expect(before.ended).toBe(false);
    before.close();
    after.close();
  });

  it('ends a stream on logout, and an account’s streams when it is disabled', async () => {
    const office = await signIn('office');
    const mine = await openStream(office);
    expect((await post(office, '/console/api/logout')).statusCode).toBe(200);
    await eventually(async () => (mine.ended ? true : undefined), 5000);

    const handler = await openStream(await signIn('chengdong3'));
    const admin = await signIn('admin');
    const target = await staffId('chengdong3');
    expect((await post(admin, `/console/api/admin/staff/${target}`, { disabled: true })).statusCode).toBe(200);
    await eventually(async () => (handler.ended ? true : undefined), 5000);
    await post(admin, `/console/api/admin/staff/${target}`, { disabled: false });
  });

  it('allows three live streams per sign-in, not a fourth', async () => {
    const office = await signIn('office');
    const open = [await openStream(office), await openStream(office), await openStream(office)];
    expect(open.map((s) => s.status)).toEqual([200, 200, 200]);
    const fourth = await openStream(office);
    expect(fourth.status).toBe(429);
    // Another sign-in has its own allowance, and a closed stream frees its place.
    const other = await openStream(await signIn('office'));
    expect(other.status).toBe(200);
    open[0]!.close();
    await eventually(async () => {
      const again = await openStream(office);
      again.close();
      return again.status === 200 ? true : undefined;
    }, 5000);
    [...open, other].forEach((s) => s.close());
  });

  it('refuses a handler linking a conversation to another department’s case', async () => {
    const { id } = await handedTo('chengdong2');
    const handler = await signIn('chengdong2');
    const other = await makeCase(h.services, { status: 'assigned', departmentCode: 'G630104' });
    const own = await makeCase(h.services, { status: 'assigned', departmentCode: 'G630102' });
    const refused = await post(handler, `/console/api/handoffs/${id}/link`, { number: other.number });
    expect(refused.statusCode).toBe(404);
    expect(await h.services.db.handoff.findUniqueOrThrow({ where: { id } })).toMatchObject({ caseId: null });
    expect((await post(handler, `/console/api/handoffs/${id}/link`, { number: 'QH2001019999' })).statusCode).toBe(404);
    expect((await post(handler, `/console/api/handoffs/${id}/link`, { number: own.number })).statusCode).toBe(200);
    expect(await h.services.db.handoff.findUniqueOrThrow({ where: { id } })).toMatchObject({ caseId: own.id });
  });
});

const staffId = async (username: string) => (await h.services.db.staff.findUniqueOrThrow({ where: { username } })).id;

/** A resident asks for a person; the office takes the conversation and hands it to this member of staff. */
async function handedTo(username: string): Promise<{ id: string; user: string }> {
  const user = uniqueUser();
  await h.say(user, '转人工');
  const office = await signIn('office');
  const resident = await h.services.db.resident.findFirstOrThrow({ where: { externalId: user } });
  const { id } = await h.services.db.handoff.findFirstOrThrow({ where: { residentId: resident.id, status: 'waiting' } });
  expect((await post(office, `/console/api/handoffs/${id}/claim`)).statusCode).toBe(200);
  expect((await post(office, `/console/api/handoffs/${id}/transfer`, { staffId: await staffId(username) })).statusCode).toBe(200);
  return { id, user };
}

/** The console's live stream as the page reads it: what has arrived so far, and whether the server ended it. */
async function openStream(s: Session) {
  const res = await fetch(`${base}/console/api/stream`, { headers: { cookie: s.cookie } });
  const reader = res.body!.getReader();
  const decoder = new TextDecoder();
  const stream = { status: res.status, text: '', ended: false, close: () => void reader.cancel().catch(() => undefined) };
  void (async () => {
    for (;;) {
      const { value, done } = await reader.read().catch(() => ({ value: undefined, done: true }));
      if (done) return void (stream.ended = true);
      stream.text += decoder.decode(value, { stream: true });
    }
  })();
  if (res.status === 200) await eventually(async () => (stream.text.includes(': connected') ? true : undefined), 5000);
  return stream;
}

describe('figures', () => {
  it('gives the dashboard its numbers and the office report text', async () => {
    const office = await signIn('office');
    const today = h.services.now().toLocaleDateString('sv-SE', { timeZone: 'Asia/Shanghai' });
    const res = await get(office, `/console/api/dashboard?from=${today}&to=${today}`);
    expect(res.statusCode).toBe(200);
    const body = res.json();
    expect(body.summary).toMatch(/累计收到留言\d+条，其中有效留言\d+条，已办结\d+条，其余\d+条正在办理中/);
    expect(body.daily).toEqual([{ day: today, received: body.cards.received, closed: expect.any(Number) }]);
    expect((await get(office, '/console/api/figures?from=2026-12-01&to=2026-11-01')).statusCode).toBe(400);
  });

  it('shows a handler only their department’s figures, hot spots and residents’ words', async () => {
    const today = h.services.now().toLocaleDateString('sv-SE', { timeZone: 'Asia/Shanghai' });
    const dashboard = async (who: string) => (await get(await signIn(who), `/console/api/dashboard?from=${today}&to=${today}`)).json();
    const figures = async (who: string) => (await get(await signIn(who), `/console/api/figures?from=${today}&to=${today}`)).json();
    const [handlerBefore, officeBefore] = [await dashboard('chengdong'), await dashboard('office')];
    // Another department's hot spot: the same broken water main, reported from two districts, with a phone number.
    const words = '自来水管爆裂，整条街停水，联系电话13800138000';
    for (const regionCode of ['630102', '630104', '630104']) await makeCase(h.services, { status: 'assigned', departmentCode: 'G630104', description: words, regionCode });
    const [handler, office] = [await dashboard('chengdong'), await dashboard('office')];
    expect(office.cards.received).toBe(officeBefore.cards.received + 3);
    expect(JSON.stringify(office.hotspots)).toContain('13800138000');
    expect(handler.cards.received).toBe(handlerBefore.cards.received);
    expect(JSON.stringify(handler)).not.toContain('13800138000');
    expect(handler.hotspots).toEqual([]);
    const handlerFigures = (await figures('chengdong')).figures;
    expect(handlerFigures.totals.received).toBe(handler.cards.received);
    expect(handlerFigures.byDepartment.map((d: { key: string }) => d.key)).not.toContain('G630104');
    expect((await figures('office')).figures.byDepartment.map((d: { key: string }) => d.key)).toContain('G630104');
  });
});

describe('staff:add', () => {
  const cli = (args: string[], password: string) =>
    new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
      const env = { ...process.env, DATABASE_URL: h.services.config.DATABASE_URL, REDIS_PREFIX: h.services.config.REDIS_PREFIX };
      const child = execFile(process.execPath, ['--import', 'tsx', 'bot/console/staff-cli.ts', ...args, '--password-stdin'], { env }, (err, stdout, stderr) =>
        resolve({ code: err ? Number((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
      );
      child.stdin!.end(`${password}\n`);
    });

  it('creates an account that can sign in, and refuses bad ones with one clear line', async () => {
    const made = await cli(['--username', 'newclerk', '--role', 'handler', '--department', 'G630121'], 'a long enough secret');
    expect(made).toMatchObject({ code: 0 });
    expect(made.stdout).toContain('大通');
    expect((await login('newclerk', 'a long enough secret')).statusCode).toBe(200);

    const short = await cli(['--username', 'x1', '--role', 'admin'], 'short');
    expect(short.code).toBe(2);
    expect(short.stderr).toMatch(/at least 12 characters/);
    const twice = await cli(['--username', 'newclerk', '--role', 'admin'], 'a long enough secret');
    expect(twice.code).toBe(2);
    expect(twice.stderr).toMatch(/already exists/);
    const homeless = await cli(['--username', 'x2', '--role', 'handler'], 'a long enough secret');
    expect(homeless.code).toBe(2);
    expect(homeless.stderr).toMatch(/needs --department/);
  }, 60_000);

  it('ends an account’s sessions when its password is reset', async () => {
    const before = await signIn('chengdong2');
    expect((await get(before, '/console/api/me')).statusCode).toBe(200);
    expect(await cli(['--username', 'chengdong2', '--reset-password'], 'a brand new secret')).toMatchObject({ code: 0 });
    expect((await get(before, '/console/api/me')).statusCode).toBe(401);
    expect((await login('chengdong2', 'a brand new secret')).statusCode).toBe(200);
  }, 60_000);
});
