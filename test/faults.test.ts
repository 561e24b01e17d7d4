import type { Queue } from 'bullmq';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runChaos } from './chaos/suite.js';
import { PrivateRedis } from './chaos/services.js';
import { eventually, startHarness, uniqueUser, type Harness } from './support/harness.js';

const SCHEDULES = [
  ['maintenance', 'reconcile'],
  ['deadlines', 'deadlines'],
  ['handoffs', 'handoffs'],
  ['alerts', 'digest'],
] as const;

async function schedulesPresent(h: Harness): Promise<boolean> {
  const found = await Promise.all(SCHEDULES.map(([queue, id]) => (h.services.queues[queue] as Queue).getJobScheduler(id)));
  return found.every(Boolean);
}

async function removeSchedules(h: Harness): Promise<void> {
  for (const [queue, id] of SCHEDULES) await (h.services.queues[queue] as Queue).removeJobScheduler(id);
  expect(await schedulesPresent(h)).toBe(false);
}

describe('periodic jobs after Redis lost their schedules', () => {
  it('are scheduled again when the worker reconnects to Redis', async () => {
    const h = await startHarness({ workers: true });
    try {
      await removeSchedules(h);
      // As after a Redis restart: the connection drops and comes back.
      h.services.queueConnection.disconnect(true);
      await eventually(async () => ((await schedulesPresent(h).catch(() => false)) ? true : undefined), 10_000);
    } finally {
      await h.close();
    }
  });

  it('are scheduled again by the periodic check', async () => {
    const h = await startHarness({ workers: true, env: { RECONCILE_INTERVAL_MS: '300' } });
    try {
      await removeSchedules(h);
      await eventually(async () => ((await schedulesPresent(h)) ? true : undefined), 5_000);
    } finally {
      await h.close();
    }
  });
});

describe('a Redis outage', () => {
  let redis: PrivateRedis;
  let h: Harness;
  beforeAll(async () => {
    redis = await PrivateRedis.start();
    h = await startHarness({ env: { REDIS_URL: redis.url } });
  });
  afterAll(async () => {
    await redis.up();
    // Closing after the outage can wait on BullMQ's reconnection; the database is dropped regardless.
    await Promise.race([h.close(), new Promise((r) => setTimeout(r, 10_000))]);
    await redis.kill();
  }, 30_000);

  it('asks the resident to try again in a moment (503, retry-after), and /readyz says 503 within a second', async () => {
    const user = uniqueUser();
    expect((await h.send(user, { text: '你好' })).status).toBe(200);
    await redis.kill();
    const headers = await h.authHeaders(user);
    const res = await h.app.inject({ method: 'POST', url: '/api/webchat/messages', payload: { text: '你好' }, headers });
    expect(res.statusCode).toBe(503);
    expect(Number(res.headers['retry-after'])).toBeGreaterThan(0);
    expect(res.json().error).toContain('请稍等片刻再发一次');
    const english = await h.app.inject({ method: 'GET', url: '/api/webchat/messages', headers: { ...headers, 'accept-language': 'en-GB' } });
    expect(english.statusCode).toBe(503);
    expect(english.json().error).toContain('try again in a moment');
    const started = Date.now();
    expect((await h.app.inject({ method: 'GET', url: '/readyz' })).statusCode).toBe(503);
    expect(Date.now() - started).toBeLessThan(1000);
  });
});

describe('the fault suite (short)', () => {
  it('loses nothing, duplicates nothing and answers no 500 through worker kills, a Redis and a PostgreSQL restart and a bot kill', async () => {
    const { problems, tally } = await runChaos({ residents: 4, scenarioMs: 6_000, recoveryMs: 20_000 });
    expect(problems).toEqual([]);
    expect(tally.requests).toBeGreaterThan(0);
  }, 180_000);
});
