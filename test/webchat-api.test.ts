import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../bot/platform/config.js';
import { createLogger } from '../bot/platform/log.js';
import { createServices, servicesReady } from '../bot/platform/services.js';
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

const post = (payload: unknown, headers: Record<string, string> = {}) =>
  h.app.inject({ method: 'POST', url: '/api/webchat/messages', payload: payload as object, headers });

describe('web chat API', () => {
  it('rejects invalid bodies with 400 and a reason', async () => {
    for (const body of [{}, { userId: 'bad id!' }, { userId: 'x'.repeat(65), text: 'hi' }, { userId: 'ok' }, { userId: 'ok', text: 5 }, { userId: 'ok', text: 'hi', lang: 'fr' }]) {
      const res = await post(body);
      expect(res.statusCode, JSON.stringify(body)).toBe(400);
      expect(res.json().error).toEqual(expect.any(String));
    }
    const malformed = await h.app.inject({ method: 'POST', url: '/api/webchat/messages', payload: '{"userId":', headers: { 'content-type': 'application/json' } });
    expect(malformed.statusCode).toBe(400);
    expect(malformed.json().error).toEqual(expect.any(String));
    const badCursor = await h.app.inject({ method: 'GET', url: '/api/webchat/messages?userId=ok&after=abc' });
    expect(badCursor.statusCode).toBe(400);
  });

  it('answers 413 to a body over 256 KiB', async () => {
    const res = await post({ userId: uniqueUser(), text: '长'.repeat(100_000) });
    expect(res.statusCode).toBe(413);
    expect(res.json().error).toContain('256 KiB');
  });

  it('answers 429 to a flood and serves the resident again after the window', async () => {
    const user = uniqueUser();
    const statuses: number[] = [];
    for (let i = 0; i < 20; i++) statuses.push((await post({ userId: user, text: `第${i}条消息` })).statusCode);
    expect(statuses.slice(0, 12).every((s) => s === 200)).toBe(true);
    expect(statuses.slice(12).every((s) => s === 429)).toBe(true);
    // Another resident is not affected.
    expect((await post({ userId: uniqueUser(), text: '你好' })).statusCode).toBe(200);
  });

  it('answers 429 to one address cycling through user ids', async () => {
    const from = { 'x-forwarded-for': '203.0.113.7' };
    const statuses: number[] = [];
    for (let i = 0; i < 70; i++) statuses.push((await post({ userId: uniqueUser(), text: '你好' }, from)).statusCode);
    expect(statuses.filter((s) => s === 200)).toHaveLength(60);
    expect(statuses.slice(60).every((s) => s === 429)).toBe(true);
    expect((await post({ userId: uniqueUser(), text: '你好' }, { 'x-forwarded-for': '203.0.113.8' })).statusCode).toBe(200);
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
    expect(messages.map((m) => m.id)).toEqual(first.replies.map((r) => (r as { id?: string }).id));
  });

  it('shows earlier replies to a page that polls, with ids and times, after a cursor', async () => {
    const user = uniqueUser();
    await h.say(user, '你好');
    const first = await h.poll(user);
    expect(first.messages).toHaveLength(1);
    expect(first.messages[0]).toMatchObject({ id: expect.stringMatching(/^\d+-\d+$/), at: expect.any(String), buttons: expect.any(Array) });
    expect((await h.poll(user, first.cursor)).messages).toEqual([]);
    await h.say(user, '帮助');
    expect((await h.poll(user, first.cursor)).messages.map((m) => m.text)[0]).toContain('使用方法');
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
