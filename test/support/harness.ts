import { randomBytes } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import pg from 'pg';
import { inject } from 'vitest';
import { pgConfig } from '../../prisma/pg-config.js';
import { startWorkers, type Workers } from '../../workers/index.js';
import { processReconcile } from '../../workers/reconcile.js';
import { buildServer } from '../../bot/http/server.js';
import { loadConfig, type Config } from '../../core/platform/config.js';
import { createLogger } from '../../core/platform/log.js';
import { createServices, type Services } from '../../core/platform/services.js';
import { createBotRuntime, type BotRuntime } from '../../bot/runtime.js';
import type { WechatSettings } from '../../bot/channels/wechat/channel.js';
import { hashToken } from '../../bot/channels/webchat/sessions.js';
import type { Reply } from '../../core/messages.js';
import type { Clock } from '../../core/platform/clock.js';
import { clockFrom, INSTANTS } from './clock.js';

export type Harness = {
  services: Services;
  runtime: BotRuntime;
  app: FastifyInstance;
  workers?: Workers;
  /** POSTs a message as a resident and returns the status and replies. */
  send(userId: string, body: { text?: string; payload?: string; lang?: 'zh' | 'en'; messageId?: string }): Promise<{ status: number; replies: Reply[]; body: unknown }>;
  /** Texts of the replies to one message (fails the test on a non-200). */
  say(userId: string, text: string): Promise<Reply[]>;
  press(userId: string, payload: string): Promise<Reply[]>;
  /** The `Authorization` header of a named resident's web chat session (opened on first use). */
  authHeaders(userId: string): Promise<{ authorization: string }>;
  /** What the resident's web chat page shows after the cursor. */
  poll(userId: string, after?: string): Promise<{ messages: (Reply & { id: string; at: string })[]; cursor: string }>;
  close(): Promise<void>;
};

/** A database of this test file's own, cloned from the run's migrated and seeded template. */
async function cloneDatabase(): Promise<{ url: string; drop(): Promise<void> }> {
  const template = new URL(inject('databaseUrl'));
  const name = `${template.pathname.slice(1)}_${randomBytes(4).toString('hex')}`;
  const admin = async (sql: string) => {
    const client = new pg.Client({ ...pgConfig(template.toString()), database: 'postgres' });
    await client.connect();
    await client.query(sql).finally(() => client.end());
  };
  await admin(`CREATE DATABASE "${name}" TEMPLATE "${template.pathname.slice(1)}"`);
  const url = new URL(template);
  url.pathname = `/${name}`;
  return { url: url.toString(), drop: () => admin(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`) };
}

function testConfig(databaseUrl: string, overrides: Record<string, string> = {}): Config {
  return loadConfig({
    ...process.env,
    DATABASE_URL: databaseUrl,
    // Each harness gets its own keys and queues under the run's prefix.
    REDIS_PREFIX: `${inject('redisPrefix')}_${randomBytes(3).toString('hex')}`,
    LOG_LEVEL: 'silent',
    RECONCILE_INTERVAL_MS: '3600000',
    ...overrides,
  });
}

export function uniqueUser(name = 'u'): string {
  return `${name}_${randomBytes(5).toString('hex')}`;
}

export async function startHarness(
  opts: { workers?: boolean; env?: Record<string, string>; wechatPuppet?: WechatSettings['puppet']; now?: Clock } = {},
): Promise<Harness> {
  const database = await cloneDatabase();
  const config = testConfig(database.url, opts.env);
  const services = await createServices(config, createLogger(config.LOG_LEVEL), opts.now ?? clockFrom(INSTANTS.workingMorning));
  const runtime = await createBotRuntime(services, { wechatPuppet: opts.wechatPuppet });
  const app = await buildServer(services, runtime);
  const workers = opts.workers ? await startWorkers(services, services.queueConnection) : undefined;

  // Tests name their residents: each name gets a token stored as the API stores one, for the
  // resident of that name, so tests can find it (and a resident a test created) by its web chat id.
  // The process learns the token from PostgreSQL on its first use, as another process would.
  const tokens = new Map<string, Promise<string>>();
  const openSession = async (userId: string) => {
    const token = randomBytes(32).toString('base64url');
    const { db, now } = services;
    const named = await db.resident.upsert({
      where: { channel_externalId: { channel: 'webchat', externalId: userId } },
      create: { channel: 'webchat', externalId: userId },
      update: {},
    });
    await db.webchatSession.create({ data: { tokenHash: hashToken(token), residentId: named.id, createdAt: now(), lastSeenAt: now() } });
    return token;
  };
  const auth = async (userId: string) => {
    let token = tokens.get(userId);
    if (!token) tokens.set(userId, (token = openSession(userId)));
    return { authorization: `Bearer ${await token}` };
  };
  const send: Harness['send'] = async (userId, body) => {
    const res = await app.inject({ method: 'POST', url: '/api/webchat/messages', payload: body, headers: await auth(userId) });
    const json = res.json() as { replies?: Reply[] };
    return { status: res.statusCode, replies: json.replies ?? [], body: json };
  };
  const ok = async (userId: string, body: { text?: string; payload?: string }) => {
    const res = await send(userId, body);
    if (res.status !== 200) throw new Error(`POST answered ${res.status}: ${JSON.stringify(res.body)}`);
    return res.replies;
  };
  return {
    services,
    runtime,
    app,
    workers,
    send,
    say: (userId, text) => ok(userId, { text }),
    press: (userId, payload) => ok(userId, { payload }),
    authHeaders: auth,
    async poll(userId, after) {
      const query = new URLSearchParams(after ? { after } : {});
      const res = await app.inject({ method: 'GET', url: `/api/webchat/messages?${query}`, headers: await auth(userId) });
      if (res.statusCode !== 200) throw new Error(`GET answered ${res.statusCode}: ${res.body}`);
      return res.json();
    },
    async close() {
      await workers?.close();
      await app.close();
      await runtime.close();
      await services.close();
      await database.drop();
    },
  };
}

/** Polls `check` until it returns a value other than undefined (or the time runs out). */
export async function eventually<T>(check: () => Promise<T | undefined>, timeoutMs = 15_000): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** The reconciler as it runs `minutes` after the harness's now (its schedule is by that clock). */
export function reconcileAt(h: Harness, minutes: number): ReturnType<typeof processReconcile> {
  return processReconcile({ ...h.services, now: () => new Date(h.services.now().getTime() + minutes * 60_000) });
}
