import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../core/platform/config.js';
import { createLogger } from '../core/platform/log.js';
import { createServices, servicesReady } from '../core/platform/services.js';
import { WebchatSessions, hashToken } from '../bot/channels/webchat/sessions.js';
import { launchChromium } from './support/browser.js';
import { startHarness, uniqueUser, type Harness } from './support/harness.js';

let h: Harness;
beforeAll(async () => {
  h = await startHarness({ env: { RATE_LIMIT_MESSAGES: '12', RATE_LIMIT_IP_MESSAGES: '60', RATE_LIMIT_WINDOW_SECONDS: '60', TRUST_PROXY: '1' } });
});
afterAll(() => h.close());

async function inboundLog(userId: string) {
  const resident = await h.services.db.resident.findFirstOrThrow({ where: { externalId: userId } });
  return h.services.db.message.findMany({
    where: { conversation: { residentId: resident.id }, direction: 'inbound' },
    orderBy: { at: 'asc' },
  });
}

let addresses = 0;
/** A client address of its own (TRUST_PROXY is on here), so per-address limits of one test do not touch another. */
const newAddress = () => ({ 'x-forwarded-for': `198.51.100.${++addresses}` });

/** A new web chat session as a page or API client gets it. */
async function session(headers: Record<string, string> = newAddress(), payload?: object) {
  const res = await h.app.inject({ method: 'POST', url: '/api/webchat/sessions', headers, ...(payload ? { payload } : {}) });
  expect(res.statusCode, res.body).toBe(201);
  const { token } = res.json() as { token: string };
  return { token, bearer: { authorization: `Bearer ${token}` }, res };
}

const post = (payload: unknown, headers: Record<string, string> = {}) =>
  h.app.inject({ method: 'POST', url: '/api/webchat/messages', payload: payload as object, headers });
const get = (query: string, headers: Record<string, string> = {}) => h.app.inject({ method: 'GET', url: `/api/webchat/messages${query}`, headers });

async function residentOf(token: string) {
  const row = await h.services.db.webchatSession.findUniqueOrThrow({ where: { tokenHash: hashToken(token) }, include: { resident: true } });
  return row.resident;
}

describe('web chat API', () => {
  it('rejects invalid bodies with 400 and a reason', async () => {
    const { bearer } = await session();
    const headers = { ...bearer, ...newAddress() };
    for (const body of [{}, { payload: 'x'.repeat(257) }, { messageId: 'bad id!', text: 'hi' }, { text: 5 }, { text: 'hi', lang: 'fr' }]) {
      const res = await post(body, headers);
      expect(res.statusCode, JSON.stringify(body)).toBe(400);
      expect(res.json().error).toEqual(expect.any(String));
    }
    const malformed = await h.app.inject({ method: 'POST', url: '/api/webchat/messages', payload: '{"text":', headers: { ...headers, 'content-type': 'application/json' } });
    expect(malformed.statusCode).toBe(400);
    expect(malformed.json().error).toEqual(expect.any(String));
    expect((await get('?after=abc', bearer)).statusCode).toBe(400);
    const badLang = await h.app.inject({ method: 'POST', url: '/api/webchat/sessions', payload: { lang: 'fr' }, headers: newAddress() });
    expect(badLang.statusCode).toBe(400);
  });

  it('issues a long random token, also as an HttpOnly SameSite=Strict cookie, Secure over HTTPS', async () => {
    const a = await session();
    const b = await session();
    expect(a.token).not.toBe(b.token);
    expect(Buffer.from(a.token, 'base64url').length * 8).toBeGreaterThanOrEqual(128);
    expect(a.res.headers['cache-control']).toBe('no-store');
    const cookie = String(a.res.headers['set-cookie']);
    expect(cookie).toContain(`tm_webchat=${a.token}`);
    expect(cookie).toMatch(/HttpOnly/i);
    expect(cookie).toMatch(/SameSite=Strict/i);
    expect(cookie).not.toMatch(/Secure/i);
    const overHttps = await session({ ...newAddress(), 'x-forwarded-proto': 'https' });
    expect(String(overHttps.res.headers['set-cookie'])).toMatch(/; Secure/i);
    // The resident behind a token is the server's, never the client's.
    expect((await residentOf(a.token)).externalId).not.toBe((await residentOf(b.token)).externalId);
  });

  it('answers 401 without a token the server issued; a userId is no credential', async () => {
    const owner = await session();
    const ownerHeaders = { ...owner.bearer, ...newAddress() };
    expect((await post({ text: '你好', messageId: 'first' }, ownerHeaders)).statusCode).toBe(200);
    const ownerId = (await residentOf(owner.token)).externalId;
    const from = newAddress();
    const refused = [
      await post({ userId: ownerId, text: '查询' }, from),
      await post({ text: '查询' }, { ...from, authorization: `Bearer ${'A'.repeat(43)}` }),
      await post({ text: '查询' }, { ...from, authorization: `Basic ${owner.token}` }),
      await post({ text: '查询' }, { ...from, authorization: 'Bearer' }),
      await get(`?userId=${ownerId}`),
      await get(`?token=${owner.token}`),
      await get('', { cookie: 'tm_webchat=not-a-token' }),
    ];
    for (const res of refused) {
      expect(res.statusCode, res.body).toBe(401);
      expect(res.json().error).toEqual(expect.any(String));
    }
    // Someone else's token reads only their own mailbox.
    const stranger = await session();
    expect((await get('', stranger.bearer)).json().messages).toEqual([]);
    expect((await get('', owner.bearer)).json().messages.length).toBeGreaterThan(0);
  });

  it('serves the page by its cookie alone, in the language the session was opened in', async () => {
    const { token } = await session(newAddress(), { lang: 'en' });
    const cookie = { cookie: `tm_webchat=${token}`, ...newAddress() };
    const res = await post({ text: 'hello' }, cookie);
    expect(res.statusCode).toBe(200);
    expect(res.json().replies[0].text).toMatch(/[A-Za-z]/);
    expect(res.json().replies[0].text).not.toMatch(/[\u4e00-\u9fff]/);
    const polled = await get('', cookie);
    expect(polled.statusCode).toBe(200);
    // The whole conversation: the resident's own message (as the page's `sent`), then the answers, in their language.
    const messages = polled.json().messages as { id: string; text: string; from?: string; lang?: string }[];
    expect(messages[0]).toMatchObject({ id: res.json().sent.id, from: 'resident', text: 'hello' });
    expect(messages.slice(1).map((m) => m.text)).toEqual(res.json().replies.map((r: { text: string }) => r.text));
    expect(messages.slice(1).every((m) => m.lang === 'en' && m.from === undefined)).toBe(true);
  });

  it('shows the whole conversation when its mailbox holds an entry this version cannot read (written with other texts)', async () => {
    const { token, bearer } = await session();
    const headers = { ...bearer, ...newAddress() };
    const answer = (await post({ text: '你好' }, headers)).json();
    const before = (await get('', headers)).json().messages as { id: string; text: string }[];
    const resident = await residentOf(token);
    // What another version's dictionary makes: deflated bytes this one refuses.
    const key = `${h.services.config.REDIS_PREFIX}:webchat:mailbox-list:${resident.externalId}`;
    await h.services.redis.rPush(key, `${Date.parse(answer.sent.at) + 1}-0 z${Buffer.from('not ours').toString('base64')}`);
    const after = (await get('', headers)).json().messages as { id: string; text: string }[];
    expect(after.map((m) => m.text)).toEqual(before.map((m) => m.text));
    expect(after.map((m) => m.text)).toEqual(['你好', ...answer.replies.map((r: { text: string }) => r.text)]);
  });

  it('keeps the resident behind a token in a process that never saw it, when Redis forgot the dialogue', async () => {
    const { token, bearer } = await session();
    const headers = { ...bearer, ...newAddress() };
    expect((await post({ text: '你好' }, headers)).statusCode).toBe(200);
    const resident = await residentOf(token);
    for (const key of await h.services.redis.keys(`${h.services.config.REDIS_PREFIX}:*${resident.externalId}*`)) await h.services.redis.del(key);
    // Another bot process knows tokens from PostgreSQL alone.
    expect(await new WebchatSessions(h.services.sql, h.services.now, h.services.config.WEBCHAT_TOKEN_IDLE_DAYS, { ...h.services, redisPrefix: h.services.config.REDIS_PREFIX }).residentOf(token)).toBe(resident.externalId);
    expect((await post({ text: '帮助' }, headers)).statusCode).toBe(200);
    const inbound = await inboundLog(resident.externalId);
    expect(inbound.map((m) => m.text)).toEqual(['你好', '帮助']);
    // The page still shows the whole conversation, refilled from the log.
    const texts = ((await get('', headers)).json().messages as { text: string; from?: string }[]).filter((m) => m.from === 'resident').map((m) => m.text);
    expect(texts).toEqual(['你好', '帮助']);
  });

  it('answers 413 to a body over 256 KiB', async () => {
    const { bearer } = await session();
    const res = await post({ text: '长'.repeat(100_000) }, { ...bearer, ...newAddress() });
    expect(res.statusCode).toBe(413);
    expect(res.json().error).toContain('256 KiB');
  });

  it('answers 429 to a flood from one token and serves the resident again after the window', async () => {
    const { bearer } = await session();
    const from = newAddress();
    const statuses: number[] = [];
    for (let i = 0; i < 20; i++) statuses.push((await post({ text: `第${i}条消息` }, { ...bearer, ...from })).statusCode);
    expect(statuses.slice(0, 12).every((s) => s === 200)).toBe(true);
    expect(statuses.slice(12).every((s) => s === 429)).toBe(true);
    // Another resident is not affected.
    expect((await post({ text: '你好' }, { ...(await session()).bearer, ...from })).statusCode).toBe(200);
  });

  it('answers 429 to one address cycling through tokens', async () => {
    const tokens = await Promise.all(Array.from({ length: 70 }, () => session()));
    const from = { 'x-forwarded-for': '203.0.113.7' };
    const statuses: number[] = [];
    for (const { bearer } of tokens) statuses.push((await post({ text: '你好' }, { ...bearer, ...from })).statusCode);
    expect(statuses.filter((s) => s === 200)).toHaveLength(60);
    expect(statuses.slice(60).every((s) => s === 429)).toBe(true);
    expect((await post({ text: '你好' }, { ...tokens[0]!.bearer, 'x-forwarded-for': '203.0.113.8' })).statusCode).toBe(200);
  });

  it('counts every message of an address, also from tokens the server has seen and with bodies it refuses', async () => {
    const tokens = await Promise.all(Array.from({ length: 10 }, () => session()));
    const from = { 'x-forwarded-for': '203.0.113.10' };
    const statuses: number[] = [];
    // Round after round: from the second round on every token is one the process knows.
    for (let round = 0; round < 7; round++) {
      for (const { bearer } of tokens) statuses.push((await post(round === 3 ? { text: 42 } : { text: `第${round}轮` }, { ...bearer, ...from })).statusCode);
    }
    expect(statuses.slice(0, 60).filter((s) => s === 200)).toHaveLength(50);
    expect(statuses.slice(30, 40).every((s) => s === 400)).toBe(true);
    expect(statuses.slice(60).every((s) => s === 429)).toBe(true);
    // The residents themselves are not blocked: from another address they are served.
    expect((await post({ text: '你好' }, { ...tokens[0]!.bearer, 'x-forwarded-for': '203.0.113.11' })).statusCode).toBe(200);
  });

  it('answers 429 to one address creating session after session', async () => {
    const from = { 'x-forwarded-for': '203.0.113.9' };
    const statuses: number[] = [];
    for (let i = 0; i < 65; i++) statuses.push((await h.app.inject({ method: 'POST', url: '/api/webchat/sessions', headers: from })).statusCode);
    expect(statuses.slice(0, 60).every((s) => s === 201)).toBe(true);
    expect(statuses.slice(60).every((s) => s === 429)).toBe(true);
  });

  it('answers 429 to one address signing out token after token, before asking the database', async () => {
    const from = { 'x-forwarded-for': '203.0.113.12' };
    const statuses: number[] = [];
    for (let i = 0; i < 65; i++) {
      const token = randomBytes(32).toString('base64url');
      statuses.push((await h.app.inject({ method: 'DELETE', url: '/api/webchat/sessions', headers: { ...from, authorization: `Bearer ${token}` } })).statusCode);
    }
    expect(statuses.slice(0, 60).every((s) => s === 401)).toBe(true);
    expect(statuses.slice(60).every((s) => s === 429)).toBe(true);
    // A resident behind another address still signs out.
    const { bearer } = await session();
    expect((await h.app.inject({ method: 'DELETE', url: '/api/webchat/sessions', headers: { ...bearer, 'x-forwarded-for': '203.0.113.13' } })).statusCode).toBe(204);
  });

  it('answers every resident when some send NUL bytes or lone surrogates at the same time, and logs every message', async () => {
    const normal = Array.from({ length: 15 }, (_, i) => ({ user: uniqueUser('ok'), text: `城东区八一路第${i}号路灯不亮了` }));
    const bad = ['坏\u0000字节', '半个\ud800字符', '\udc00\u0007控制'].map((text) => ({ user: uniqueUser('bad'), text }));
    const all = [...normal, ...bad];
    const results = await Promise.all(all.map(({ user, text }) => h.send(user, { text })));
    expect(results.map((r) => r.status)).toEqual(all.map(() => 200));
    for (const { user, text } of normal) expect((await inboundLog(user)).map((m) => m.text)).toEqual([text]);
    const cleaned = await Promise.all(bad.map(async ({ user }) => (await inboundLog(user)).map((m) => m.text)));
    expect(cleaned).toEqual([['坏字节'], ['半个\ufffd字符'], ['\ufffd控制']]);
  });

  it('asks for a 20,000-character message to be shortened and keeps it verbatim', async () => {
    const user = uniqueUser();
    const text = '我们小区的问题很多。'.repeat(2000);
    const res = await h.send(user, { text });
    expect(res.status).toBe(200);
    expect(res.replies[0]?.text).toContain('20000 个字，超过了单条 2000 字的上限');
    const [logged] = await inboundLog(user);
    expect(logged?.text).toBe(text);
  });

  it('answers emoji-only, empty and markup messages politely and stores them verbatim', async () => {
    const user = uniqueUser();
    const emoji = await h.send(user, { text: '😀😀👍' });
    expect(emoji.replies[0]?.text).toContain('没有理解');
    const empty = await h.send(user, { text: '   ' });
    expect(empty.replies[0]?.text).toContain('消息是空的');
    const script = '<script>alert(1)</script> 城北区朝阳西路的下水道堵了好几天';
    const markup = await h.send(user, { text: script });
    expect(markup.status).toBe(200);
    const sql = "'; DROP TABLE \"Case\"; --";
    expect((await h.send(user, { text: sql })).status).toBe(200);
    const logged = (await inboundLog(user)).map((m) => m.text);
    expect(logged).toEqual(['😀😀👍', '   ', script, sql]);
  });

  it('answers a repeated delivery (same messageId) once, with the same replies', async () => {
    const user = uniqueUser();
    const first = await h.send(user, { text: '你好', messageId: 'm-1' });
    const again = await h.send(user, { text: '你好', messageId: 'm-1' });
    expect(again.replies).toEqual(first.replies);
    expect(await inboundLog(user)).toHaveLength(1);
    const { messages } = await h.poll(user);
    expect(messages.map((m) => m.id)).toEqual([(first.body as { sent: { id: string } }).sent.id, ...first.replies.map((r) => (r as { id?: string }).id)]);
    expect((again.body as { sent: { id: string } }).sent).toEqual((first.body as { sent: { id: string } }).sent);
    // What is remembered for the repeat is where the answer is in the mailbox, not its texts:
    // Redis keeps one such record per message for a day.
    const remembered = await h.services.redis.get(`${h.services.config.REDIS_PREFIX}:seen:webchat:${user}:m-1`);
    expect(JSON.parse(remembered!)).toEqual(messages.map((m) => m.id));
    // A repeat remembered by the previous version (the messages themselves) is answered with them.
    await h.services.redis.set(`${h.services.config.REDIS_PREFIX}:seen:webchat:${user}:m-0`, JSON.stringify(messages));
    const older = await h.send(user, { text: '你好', messageId: 'm-0' });
    expect(older.status).toBe(200);
    expect(older.replies).toEqual(first.replies);
    expect(await inboundLog(user)).toHaveLength(1);
  });

  it('shows earlier replies to a page that polls, with ids and times, after a cursor', async () => {
    const user = uniqueUser();
    await h.say(user, '你好');
    const first = await h.poll(user);
    expect(first.messages).toHaveLength(2);
    expect(first.messages[0]).toMatchObject({ from: 'resident', text: '你好' });
    expect(first.messages[1]).toMatchObject({ id: expect.stringMatching(/^\d+-\d+$/), at: expect.any(String), buttons: expect.any(Array) });
    expect((await h.poll(user, first.cursor)).messages).toEqual([]);
    await h.say(user, '帮助');
    expect((await h.poll(user, first.cursor)).messages.map((m) => m.text)).toEqual(['帮助', expect.stringContaining('使用方法')]);
  });

  it('serves the chat page with its texts and a content security policy, and health checks', async () => {
    const page = await h.app.inject({ method: 'GET', url: '/' });
    expect(page.statusCode).toBe(200);
    expect(page.headers['content-security-policy']).toContain("script-src 'self'");
    expect(page.body).toContain('青海省人民政府督查室留言平台');
    expect(page.body).not.toContain('__TM_STRINGS__');
    expect((await h.app.inject({ method: 'GET', url: '/webchat/chat.js' })).statusCode).toBe(200);
    expect((await h.app.inject({ method: 'GET', url: '/healthz' })).json()).toEqual({ status: 'ok' });
    expect((await h.app.inject({ method: 'GET', url: '/readyz' })).statusCode).toBe(200);
  });

  it('is not ready while PostgreSQL cannot be reached', async () => {
    const url = new URL(h.services.config.DATABASE_URL);
    url.pathname = '/tingmin_does_not_exist';
    const config = loadConfig({ ...process.env, DATABASE_URL: url.toString(), REDIS_PREFIX: h.services.config.REDIS_PREFIX });
    const broken = await createServices(config, createLogger('silent'));
    try {
      expect(await servicesReady(broken)).toBe(false);
      expect(await servicesReady(h.services)).toBe(true);
    } finally {
      await broken.close();
    }
  });
});

describe('the web chat page in a browser', () => {
  it('opens a session on its first visit, keeps it in an HttpOnly cookie, and finds the conversation again after a reload', async () => {
    const address = await h.app.listen({ host: '127.0.0.1', port: 0 });
    const browser = await launchChromium();
    try {
      const page = await browser.newPage();
      const urls: string[] = [];
      page.on('request', (r) => urls.push(r.url()));
      const sessionsBefore = await h.services.db.webchatSession.count();
      await page.goto(address);
      await page.fill('#tm-input', '你好');
      await page.click('#tm-send');
      await page.waitForSelector('.tm-msg--bot');
      const [cookie] = (await page.context().cookies()).filter((c) => c.name === 'tm_webchat');
      expect(cookie).toMatchObject({ httpOnly: true, sameSite: 'Strict', path: '/api/webchat' });
      expect(await page.evaluate(() => document.cookie)).not.toContain(cookie!.value);
      const firstReply = await page.textContent('.tm-msg--bot');
      await page.reload();
      await page.waitForSelector('.tm-msg--bot');
      expect(await page.textContent('.tm-msg--bot')).toBe(firstReply);
      expect(await h.services.db.webchatSession.count()).toBe(sessionsBefore + 1);
      expect(urls.filter((u) => u.includes(cookie!.value))).toEqual([]);
    } finally {
      await browser.close();
    }
  }, 60_000);
});

