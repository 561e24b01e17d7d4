// A web chat token's life: it keeps working while it is used, stops after WEBCHAT_TOKEN_IDLE_DAYS
// without use (and maintenance deletes it), and a resident can sign a device out, in every process.
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import { RECHECK_MS, WebchatSessions, hashToken } from '../bot/channels/webchat/sessions.js';
import type { AppRedis } from '../core/platform/redis.js';
import { INSTANTS } from './support/clock.js';
import { eventually, startHarness, type Harness } from './support/harness.js';

const DAY = 86_400_000;

/** The harness's clock, which the test moves forward by days; it runs at the real pace otherwise. */
function movableClock(iso: string) {
  const start = new Date(iso).getTime();
  const origin = performance.now();
  let shift = 0;
  return { now: () => new Date(start + shift + (performance.now() - origin)), advance: (ms: number) => void (shift += ms) };
}

const clock = movableClock(INSTANTS.workingMorning);
let h: Harness;
let unknown: { status: number; body: string };
beforeAll(async () => {
  h = await startHarness({ workers: true, now: clock.now });
  // What a token the server never issued gets: the answer every refused token must match.
  const res = await h.app.inject({ method: 'GET', url: '/api/webchat/messages', headers: { authorization: `Bearer ${'A'.repeat(43)}` } });
  unknown = { status: res.statusCode, body: res.body };
  expect(unknown.status).toBe(401);
}, 60_000);
afterAll(() => h.close());

async function session() {
  const res = await h.app.inject({ method: 'POST', url: '/api/webchat/sessions' });
  expect(res.statusCode, res.body).toBe(201);
  const { token } = res.json() as { token: string };
  return { token, headers: { authorization: `Bearer ${token}` } };
}

const say = (headers: Record<string, string>, text: string) => h.app.inject({ method: 'POST', url: '/api/webchat/messages', payload: { text }, headers });
const read = (headers: Record<string, string>) => h.app.inject({ method: 'GET', url: '/api/webchat/messages', headers });
const signOut = (headers: Record<string, string>) => h.app.inject({ method: 'DELETE', url: '/api/webchat/sessions', headers });
const row = (token: string) => h.services.db.webchatSession.findUnique({ where: { tokenHash: hashToken(token) } });

const residentIdOf = async (token: string) => (await row(token))!.residentId;

/** A second bot process over the same PostgreSQL, hearing sign-outs on its own connection to Redis. */
async function otherProcess(redis: AppRedis = h.services.redis) {
  const sessions = new WebchatSessions(h.services.sql, clock.now, h.services.config.WEBCHAT_TOKEN_IDLE_DAYS, {
    redis,
    redisPrefix: h.services.config.REDIS_PREFIX,
    log: h.services.log,
  });
  const followed = await sessions.followSignOuts();
  onTestFinished(() => followed.close());
  return sessions;
}

/** Waits (briefly: a message on Redis, not the minute of RECHECK_MS) until a process no longer trusts its copy of a token. */
const dropped = (other: WebchatSessions, token: string) => eventually(async () => (other.known(token) === undefined ? true : undefined), 2_000);

/** A resident's own words as the message log keeps them. */
async function wordsOf(residentId: string) {
  const messages = await h.services.db.message.findMany({ where: { conversation: { residentId }, direction: 'inbound' }, orderBy: { at: 'asc' } });
  return messages.map((m) => m.text);
}

describe('web chat tokens', () => {
  it('keep working past the idle limit while they are used, recording use at most once a day', async () => {
    const { token, headers } = await session();
    expect((await say(headers, '你好')).statusCode).toBe(200);
    const issued = (await row(token))!.lastSeenAt;

    // Used now and then, more than 90 days after it was issued, never 90 days apart.
    for (const days of [60, 60, 60]) {
      clock.advance(days * DAY);
      expect((await read(headers)).statusCode).toBe(200);
    }
    const touched = (await row(token))!.lastSeenAt;
    expect(touched.getTime() - issued.getTime()).toBeGreaterThanOrEqual(180 * DAY);

    // Within a day, use is not written again, however often the page asks (a turn writes no extra row).
    clock.advance(2 * 3_600_000);
    for (let i = 0; i < 3; i++) {
      clock.advance(RECHECK_MS);
      expect((await say(headers, `第${i}条`)).statusCode).toBe(200);
    }
    expect((await row(token))!.lastSeenAt).toEqual(touched);
  });

  it('are refused like unknown tokens after 90 days without use; maintenance deletes them and keeps what the resident said', async () => {
    const idle = await session();
    const active = await session();
    expect((await say(idle.headers, '城东区八一路的路灯不亮了')).statusCode).toBe(200);
    expect((await say(active.headers, '你好')).statusCode).toBe(200);
    const residentId = await residentIdOf(idle.token);

    clock.advance(89 * DAY);
    expect((await read(active.headers)).statusCode).toBe(200);
    clock.advance(2 * DAY);
    // 91 days idle: refused on every route exactly as a token never issued, also by this process that knew it.
    for (const res of [await read(idle.headers), await say(idle.headers, '还在吗'), await signOut(idle.headers)]) {
      expect({ status: res.statusCode, body: res.body }).toEqual(unknown);
    }
    expect((await read(active.headers)).statusCode).toBe(200);

    await h.services.queues.maintenance.add('reconcile', {});
    await eventually(async () => ((await row(idle.token)) === null ? true : undefined));
    expect(await row(active.token)).not.toBeNull();
    // Only the credential went: the resident and their words stay.
    expect(await h.services.db.resident.findUnique({ where: { id: residentId } })).not.toBeNull();
    expect(await wordsOf(residentId)).toEqual(['城东区八一路的路灯不亮了']);
  });

  it('sign out: the token is refused at once by every process, also one that had it cached', async () => {
    const { token, headers } = await session();
    const kept = await session();
    expect((await say(headers, '我要反映问题')).statusCode).toBe(200);
    const residentId = await residentIdOf(token);
    // A second bot process, which answered both tokens a moment ago.
    const other = await otherProcess();
    const userId = await other.residentOf(token);
    expect(userId).toEqual(expect.any(String));
    expect(await other.residentOf(kept.token)).toEqual(expect.any(String));

    const res = await signOut(headers);
    expect(res.statusCode).toBe(204);
    expect(res.body).toBe('');
    expect(String(res.headers['set-cookie'])).toMatch(/^tm_webchat=;.*Expires=Thu, 01 Jan 1970/);
    for (const refused of [await read(headers), await say(headers, '还在吗'), await signOut(headers)]) {
      expect({ status: refused.statusCode, body: refused.body }).toEqual(unknown);
    }
    expect(await row(token)).toBeNull();

    // The other process heard it: refused there too, with no minute passing on the clock.
    await dropped(other, token);
    expect(await other.residentOf(token)).toBeUndefined();
    // Only that token: the other one is still trusted without a lookup.
    expect(other.known(kept.token)).toEqual(expect.any(String));
    // The resident's conversation is kept.
    expect(await wordsOf(residentId)).toEqual(['我要反映问题']);
  });

  it('sign out while Redis cannot be reached: it succeeds, and another process refuses the token within a minute', async () => {
    const { token, headers } = await session();
    expect((await say(headers, '你好')).statusCode).toBe(200);
    const other = await otherProcess();
    const userId = await other.residentOf(token);
    // The process that signs out has lost Redis: nothing is announced.
    const gone = h.services.redis.duplicate();
    await gone.connect();
    await gone.quit();
    const signingOut = new WebchatSessions(h.services.sql, clock.now, h.services.config.WEBCHAT_TOKEN_IDLE_DAYS, {
      redis: gone,
      redisPrefix: h.services.config.REDIS_PREFIX,
      log: h.services.log,
    });
    expect(await signingOut.revoke(token)).toBe(true);
    expect(await row(token)).toBeNull();

    // The other process trusts its copy for at most RECHECK_MS, then asks PostgreSQL again.
    expect(other.known(token)).toBe(userId);
    clock.advance(RECHECK_MS);
    expect(other.known(token)).toBeUndefined();
    expect(await other.residentOf(token)).toBeUndefined();
  });

  it('a process whose connection to Redis dropped reads every token from PostgreSQL again: it may have missed a sign-out', async () => {
    const { token, headers } = await session();
    expect((await say(headers, '你好')).statusCode).toBe(200);
    // The other process has a connection of its own, named so that it can be cut.
    const name = `other-${randomBytes(4).toString('hex')}`;
    const redis = h.services.redis.duplicate({ name });
    await redis.connect();
    onTestFinished(() => redis.quit().then(() => undefined));
    const other = await otherProcess(redis);
    const userId = await other.residentOf(token);
    expect(userId).toEqual(expect.any(String));

    // Signed out while the other process's subscription was away (its row deleted, no message heard).
    await h.services.db.webchatSession.delete({ where: { tokenHash: hashToken(token) } });
    expect(other.known(token)).toBe(userId);
    // Redis drops the subscribed connection; node-redis connects again by itself.
    const listed = String(await h.services.redis.sendCommand(['CLIENT', 'LIST', 'TYPE', 'pubsub']));
    const ids = listed.split('\n').filter((line) => line.includes(` name=${name} `)).map((line) => /^id=(\d+)/.exec(line)![1]!);
    expect(ids).toHaveLength(1);
    await h.services.redis.sendCommand(['CLIENT', 'KILL', 'ID', ids[0]!]);

    await dropped(other, token);
    expect(await other.residentOf(token)).toBeUndefined();
    // Subscribed again: the next sign-out is heard at once.
    const next = await session();
    expect(await other.residentOf(next.token)).toEqual(expect.any(String));
    expect((await signOut(next.headers)).statusCode).toBe(204);
    await dropped(other, next.token);
  });

  it('sign out by the page cookie, which the answer clears', async () => {
    const { token } = await session();
    const cookie = { cookie: `tm_webchat=${token}` };
    expect((await read(cookie)).statusCode).toBe(200);
    expect((await signOut(cookie)).statusCode).toBe(204);
    const refused = await read(cookie);
    expect({ status: refused.statusCode, body: refused.body }).toEqual(unknown);
  });
});
