// Hostile and careless input at every public entry: never a 5xx, the process stays up, and a
// normal resident's dialogue keeps working during and after.
import { rm } from 'node:fs/promises';
import type { InjectOptions } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hashPassword } from '../bot/console/passwords.js';
import { MessageLog } from '../bot/conversations/message-log.js';
import { makeCase } from './support/cases.js';
import { FakeTelegram, telegramSettings } from './support/fake-telegram.js';
import { startHarness, uniqueUser, type Harness } from './support/harness.js';

const SECRET = 'hostile-secret';
const api = new FakeTelegram();
let h: Harness;
let addresses = 0;
let updateId = 1;
const newAddress = () => ({ 'x-forwarded-for': `192.0.2.${++addresses % 250}` });

beforeAll(async () => {
  h = await startHarness({
    env: {
      TRUST_PROXY: '1',
      ...(await telegramSettings(api, SECRET)),
    },
  });
});
afterAll(async () => {
  await h.close();
  await api.stop();
  await rm(h.services.config.DATA_DIR, { recursive: true, force: true });
});

const NASTY_TEXTS = [
  'NUL\u0000in the middle',
  '\u0000',
  'lone high \ud800 surrogate',
  'lone low \udc00 surrogate',
  '\ud800',
  'controls \u0001\u0007\u001b[31m\u007f\u0085',
  'RTL \u202e\u200f\u2066override\u2069 marks',
  '__proto__',
  'constructor',
  'prototype',
  'toString',
  '{"__proto__": {"admin": true}}',
];
const PROTO_NAMES = ['__proto__', 'constructor', 'prototype', 'toString', 'hasOwnProperty'];

/** A raw JSON body (so that `__proto__` keys and lone surrogates reach the server as written). */
const raw = (url: string, payload: string, headers: Record<string, string> = {}): InjectOptions => ({
  method: 'POST',
  url,
  payload,
  headers: { 'content-type': 'application/json', ...headers },
});

/** Answers the request and checks it was polite: no 5xx, and a 4xx says why in `{error}`. */
async function politely(options: InjectOptions): Promise<{ status: number; json: Record<string, unknown> }> {
  const res = await h.app.inject(options);
  expect(res.statusCode, `${options.url} ${String(options.payload).slice(0, 80)}: ${res.body.slice(0, 200)}`).toBeLessThan(500);
  const json = res.json() as Record<string, unknown>;
  if (res.statusCode >= 400) expect(json.error, res.body).toEqual(expect.any(String));
  return { status: res.statusCode, json };
}

async function token(): Promise<Record<string, string>> {
  const res = await h.app.inject({ method: 'POST', url: '/api/webchat/sessions', headers: newAddress() });
  expect(res.statusCode).toBe(201);
  return { authorization: `Bearer ${(res.json() as { token: string }).token}`, ...newAddress() };
}

/** A resident with a normal dialogue, checked before, during and after the attacks. */
const normal = uniqueUser('normal');
async function normalResidentIsServed(): Promise<void> {
  const res = await h.send(normal, { text: '帮助' });
  expect(res.status).toBe(200);
  expect(res.replies[0]?.text).toContain('使用方法');
}

function hostileWebchatBodies(): string[] {
  const asJson = (v: unknown) => JSON.stringify(v);
  return [
    ...NASTY_TEXTS.flatMap((text) => [asJson({ text }), asJson({ payload: text }), asJson({ text: 'hi', messageId: text })]),
    ...[5, 1e308, -0, true, null, [], ['a'], {}, { text: 'x' }].flatMap((v) => [asJson({ text: v }), asJson({ payload: v }), asJson({ lang: v, text: 'x' }), asJson({ messageId: v, text: 'x' })]),
    ...PROTO_NAMES.flatMap((name) => [`{"${name}": {"text": "x"}, "text": "hi"}`, `{"text": "hi", "${name}": null}`, asJson({ lang: name, text: 'x' })]),
    '{"__proto__": {"payload": "cancel"}}',
    '{"constructor": {"prototype": {"polluted": true}}, "text": "hi"}',
    '[]',
    '"just a string"',
    '42',
    'null',
    '{"text": "unterminated',
    '{"text": "a"}{"text": "b"}',
    `${'['.repeat(50_000)}${']'.repeat(50_000)}`,
    `${'{"a":'.repeat(20_000)}1${'}'.repeat(20_000)}`,
    `{"text": "x", "nested": ${'{"a":'.repeat(5_000)}1${'}'.repeat(5_000)}}`,
  ];
}

describe('hostile input', () => {
  it('web chat POST: bad bytes, wrong types, prototype names and deep JSON get a polite answer', async () => {
    await normalResidentIsServed();
    const bodies = hostileWebchatBodies();
    const statuses = new Set<number>();
    // Every few attacks the normal resident talks too, so "during" is checked, not only "after".
    for (const [i, body] of bodies.entries()) {
      const { status, json } = await politely(raw('/api/webchat/messages', body, await token()));
      statuses.add(status);
      if (status === 200) expect(json.replies).toEqual(expect.any(Array));
      if (i % 15 === 0) await normalResidentIsServed();
    }
    expect([...statuses].sort()).toEqual([200, 400]);
    expect(Object.prototype).not.toHaveProperty('polluted');
    expect(Object.prototype).not.toHaveProperty('admin');
    await normalResidentIsServed();
  });

  it('web chat: prototype names as text or button payload are answered like any unknown word', async () => {
    for (const name of PROTO_NAMES) {
      for (const body of [{ payload: name }, { text: name }, { text: `#${name} QH2611250001` }]) {
        const res = await h.send(uniqueUser('proto'), body);
        expect(res.status, JSON.stringify(body)).toBe(200);
        expect(res.replies.length, JSON.stringify(body)).toBeGreaterThan(0);
      }
    }
  });

  it('web chat: the text of bad bytes is kept, cleaned, in the message log', async () => {
    const headers = await token();
    expect((await politely(raw('/api/webchat/messages', JSON.stringify({ text: '井盖\u0000丢了\ud800\u202e' }), headers))).status).toBe(200);
    const logged = await h.services.db.message.findFirst({ where: { text: { startsWith: '井盖丢了' } } });
    expect(logged?.text).toBe('井盖丢了\ufffd\u202e');
  });

  it('web chat: huge bodies answer 413, other media types 415, and no token 401', async () => {
    const headers = await token();
    expect((await politely(raw('/api/webchat/messages', JSON.stringify({ text: 'x'.repeat(300_000) }), headers))).status).toBe(413);
    expect((await politely(raw('/api/webchat/sessions', JSON.stringify({ lang: 'x'.repeat(300_000) }), newAddress()))).status).toBe(413);
    expect((await politely({ method: 'POST', url: '/api/webchat/messages', payload: 'text=hi', headers: { ...headers, 'content-type': 'application/x-www-form-urlencoded' } })).status).toBe(415);
    for (const name of PROTO_NAMES) {
      expect((await politely(raw('/api/webchat/messages', JSON.stringify({ text: 'hi' }), { authorization: `Bearer ${name}`, ...newAddress() }))).status).toBe(401);
      expect((await politely({ method: 'GET', url: '/api/webchat/messages', headers: { cookie: `tm_webchat=${name}` } })).status).toBe(401);
      expect((await politely({ method: 'DELETE', url: '/api/webchat/sessions', headers: { authorization: `Bearer ${name}` } })).status).toBe(401);
    }
    // Signing out a token that is not one (wrong length, odd characters, none) is refused like any unknown token.
    for (const authorization of [`Bearer ${'A'.repeat(42)}`, `Bearer ${'A'.repeat(44)}`, `Bearer ${'%'.repeat(43)}`, 'Bearer', '']) {
      expect((await politely({ method: 'DELETE', url: '/api/webchat/sessions', headers: { authorization } })).status, authorization).toBe(401);
    }
    expect((await politely({ method: 'DELETE', url: '/api/webchat/sessions', headers: { cookie: 'tm_webchat=__proto__' } })).status).toBe(401);
    for (const body of ['[]', '5', '"zh"', '{"lang": "__proto__"}', '{"__proto__": {"lang": "en"}}', '{"lang": ["en"]}']) {
      expect((await politely(raw('/api/webchat/sessions', body, newAddress()))).status, body).toBe(400);
    }
  });

  it('web chat GET: bad cursors and odd queries answer 400, never more', async () => {
    const headers = await token();
    for (const query of ['after=__proto__', 'after=constructor', 'after=1-1&after=2-2', 'after=%00', 'after=%ED%A0%80', '__proto__[after]=1', 'constructor=1&prototype=2', `after=${'9'.repeat(5000)}-1`]) {
      const { status } = await politely({ method: 'GET', url: `/api/webchat/messages?${query}`, headers });
      expect([200, 400], query).toContain(status);
    }
    await normalResidentIsServed();
  });

  it('Telegram webhook: bad bytes, wrong types and prototype names get a reply or a 400, never a 5xx', async () => {
    const chat = 9100;
    const from = { id: chat, is_bot: false, first_name: 'R' };
    const privateChat = { id: chat, type: 'private', first_name: 'R' };
    const deliver = (update: unknown) =>
      politely(raw('/telegram/webhook', typeof update === 'string' ? update : JSON.stringify(update), { 'x-telegram-bot-api-secret-token': SECRET }));
    const before = api.sent(chat).length;
    for (const text of NASTY_TEXTS) {
      expect((await deliver({ update_id: updateId++, message: { message_id: updateId, date: 0, chat: privateChat, from, text } })).status).toBe(200);
      expect((await deliver({ update_id: updateId++, callback_query: { id: `c${updateId}`, from, chat_instance: 'c', data: text, message: { message_id: 1, date: 0, chat: privateChat } } })).status).toBe(200);
    }
    // Every text message was answered.
    expect(api.sent(chat).length - before).toBeGreaterThanOrEqual(NASTY_TEXTS.length);
    for (const odd of [{ text: 5 }, { text: ['a'] }, { text: { __proto__: 1 } }, { chat: 'x' }, { from: null }]) {
      expect((await deliver({ update_id: updateId++, message: { message_id: 1, date: 0, chat: privateChat, from, ...odd } })).status).toBeLessThan(500);
    }
    for (const body of ['[]', 'null', '{"update_id": "1"}', '{"__proto__": {"update_id": 1}}', `${'['.repeat(50_000)}${']'.repeat(50_000)}`]) {
      expect((await deliver(body)).status, body.slice(0, 40)).toBe(400);
    }
    expect((await deliver({ update_id: updateId++, message: { message_id: 1, date: 0, chat: privateChat, from, text: 'x'.repeat(300_000) } })).status).toBe(413);
    await normalResidentIsServed();
  });

  it('console sign-in: bad bytes, wrong types and prototype names answer 400 or 401', async () => {
    const login = (body: string) => politely(raw('/console/api/login', body, newAddress()));
    for (const text of NASTY_TEXTS) {
      expect([400, 401], JSON.stringify(text)).toContain((await login(JSON.stringify({ username: text, password: text }))).status);
    }
    for (const v of [5, null, [], {}, ['admin'], true]) {
      expect((await login(JSON.stringify({ username: v, password: 'x' }))).status).toBe(400);
      expect((await login(JSON.stringify({ username: 'admin', password: v }))).status).toBe(400);
    }
    for (const name of PROTO_NAMES) {
      expect([400, 401]).toContain((await login(`{"${name}": {"username": "admin"}, "username": "${name}", "password": "${name}"}`)).status);
    }
    expect((await login(`${'{"a":'.repeat(20_000)}1${'}'.repeat(20_000)}`)).status).toBe(400);
    expect((await login(JSON.stringify({ username: 'x', password: 'x'.repeat(300_000) }))).status).toBe(413);
    await normalResidentIsServed();
  });

  it('console API, signed in: bad ids, bad bytes, wrong types and prototype names in paths, queries and bodies answer 4xx, never more', async () => {
    await h.services.db.staff.create({ data: { username: 'hostile-admin', role: 'admin', passwordHash: await hashPassword('correct horse battery') } });
    const login = await h.app.inject({ method: 'POST', url: '/console/api/login', headers: newAddress(), payload: { username: 'hostile-admin', password: 'correct horse battery' } });
    expect(login.statusCode).toBe(200);
    const headers = { cookie: String(login.headers['set-cookie']).split(';')[0]!, 'x-csrf-token': login.json().csrfToken as string, ...newAddress() };
    const real = await makeCase(h.services, { status: 'assigned', departmentCode: 'G630102' });
    const ids = ['__proto__', 'constructor', '%00', '%ED%A0%80', 'x'.repeat(5_000), real.id, '..%2F..%2Fetc%2Fpasswd', '1e308'];
    // A lone surrogate has no UTF-8 form: sent as the bytes a careless client would send.
    const encode = (v: string) => encodeURIComponent(v.replace(/[\ud800-\udfff]/g, '')) + '%ED%A0%80';
    const values = [...NASTY_TEXTS, 'x'.repeat(20_000)].map(encode);
    const get = (url: string) => politely({ method: 'GET', url, headers });
    const post = (url: string, payload: string) => politely(raw(url, payload, headers));
    for (const id of ids) {
      await get(`/console/api/cases/${id}`);
      await get(`/console/api/handoffs/${id}`);
      await get(`/console/api/cases/${id}/attachments/${id}`);
      await get(`/console/api/cases/${id}/similar`);
      await get(`/console/api/cases/${id}/templates`);
      await get(`/console/api/projects/${id}`);
      await get(`/console/api/admin/departments/${id}`);
      await post(`/console/api/projects/${id}/cases`, JSON.stringify({ add: [id] }));
      await post(`/console/api/projects/${id}/close`, JSON.stringify({ note: id }));
      for (const action of ['reply', ...PROTO_NAMES]) {
        await post(`/console/api/cases/${id}/${action}`, JSON.stringify({ text: 'x', note: 'x', departmentId: id }));
        await post(`/console/api/handoffs/${id}/${action}`, JSON.stringify({ text: 'x', staffId: id, number: id }));
      }
    }
    for (const v of values) {
      await get(`/console/api/cases?status=${v}&q=${v}&from=${v}&to=${v}&department=${v}&page=${v}&imported=${v}`);
      await get(`/console/api/admin/templates?topic=${v}&kind=${v}`);
      await get(`/console/api/dashboard?from=${v}&to=${v}&lang=${v}`);
      await get(`/console/api/figures?from=2026-12-01&to=2026-12-02&lang=${v}`);
    }
    const bodies = [
      ...NASTY_TEXTS.flatMap((text) => [JSON.stringify({ text }), JSON.stringify({ note: text, text, reason: text })]),
      ...[5, null, [], {}, true].map((v) => JSON.stringify({ text: v, note: v, departmentId: v })),
      ...PROTO_NAMES.map((name) => `{"${name}": {"text": "x"}, "text": "${name}"}`),
      `${'{"a":'.repeat(20_000)}1${'}'.repeat(20_000)}`,
      '[]',
      'null',
    ];
    for (const body of bodies) {
      for (const action of ['reply', 'note', 'resolve', 'assign', 'reject', 'requestInfo']) await post(`/console/api/cases/${real.id}/${action}`, body);
      await post('/console/api/admin/staff', body);
      await post('/console/api/admin/holidays', body);
      await post('/console/api/me/chat-link/confirm', body);
      await post('/console/api/projects', body);
      await post('/console/api/admin/templates', body);
      await post('/console/api/admin/templates/preview', body);
      await post('/console/api/admin/model/retrain', body);
    }
    // The real case took the well-formed replies and nothing else.
    const stored = await h.services.db.case.findUniqueOrThrow({ where: { id: real.id } });
    expect(stored.description).toBe(real.description);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    await normalResidentIsServed();
  });

  it('floods answer 429 and leave everyone else served', async () => {
    const headers = await token();
    const flood = await Promise.all(Array.from({ length: 60 }, (_, i) => politely(raw('/api/webchat/messages', JSON.stringify({ text: `刷屏${i}` }), headers))));
    expect(flood.filter((r) => r.status === 429).length).toBeGreaterThan(0);
    expect(flood.every((r) => r.status === 200 || r.status === 429)).toBe(true);
    const oneAddress = { 'x-forwarded-for': '198.18.0.1' };
    const logins = await Promise.all(Array.from({ length: 40 }, () => politely(raw('/console/api/login', JSON.stringify({ username: 'nobody', password: 'x' }), oneAddress))));
    expect(logins.some((r) => r.status === 429)).toBe(true);
    const sessions = await Promise.all(Array.from({ length: 320 }, () => politely({ method: 'POST', url: '/api/webchat/sessions', headers: oneAddress })));
    expect(sessions.some((r) => r.status === 429)).toBe(true);
    await normalResidentIsServed();
    expect((await h.app.inject({ method: 'GET', url: '/healthz' })).statusCode).toBe(200);
  });

  it('a message-log batch with a row PostgreSQL refuses still stores every other row', async () => {
    const log = new MessageLog(h.services.sql);
    const conversation = await h.services.db.conversation.findFirstOrThrow();
    const row = (text: string) => [{ conversationId: conversation.id, direction: 'inbound' as const, text: `${text}` }];
    const good = Array.from({ length: 10 }, (_, i) => `batch-good-${i}`);
    const results = await Promise.allSettled([...good.slice(0, 5).map((t) => log.record(row(t))), log.record(row('batch-bad-\u0000')), ...good.slice(5).map((t) => log.record(row(t)))]);
    expect(results.map((r) => r.status)).toEqual([...Array(5).fill('fulfilled'), 'rejected', ...Array(5).fill('fulfilled')]);
    const stored = await h.services.db.message.findMany({ where: { text: { startsWith: 'batch-' } }, select: { text: true } });
    expect(stored.map((m) => m.text).sort()).toEqual(good.sort());
  });
});
