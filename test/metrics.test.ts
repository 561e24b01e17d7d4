import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildWorkerServer } from '../bot/http/server.js';
import { loadConfig } from '../core/platform/config.js';
import { eventually, startHarness, uniqueUser, type Harness } from './support/harness.js';

const TOKEN = randomBytes(32).toString('hex');
let h: Harness;
beforeAll(async () => {
  h = await startHarness({ workers: true, env: { METRICS_TOKEN: TOKEN } });
});
afterAll(() => h.close());

async function scrape(authorization = `Bearer ${TOKEN}`) {
  return h.app.inject({ method: 'GET', url: '/metrics', headers: { authorization } });
}

/** One sample of the Prometheus text, by name and labels (in the order prom-client writes them); undefined when absent. */
function sample(text: string, name: string, labels: Record<string, string> = {}): number | undefined {
  const wanted = Object.entries(labels).map(([k, v]) => `${k}="${v}"`);
  for (const line of text.split('\n')) {
    const m = /^([a-z_]+)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!m || m[1] !== name) continue;
    const have = m[2] ? m[2].split(',') : [];
    if (wanted.every((w) => have.includes(w))) return Number(m[3]);
  }
  return undefined;
}

describe('/metrics', () => {
  it('answers only with the bearer token', async () => {
    expect((await h.app.inject({ method: 'GET', url: '/metrics' })).statusCode).toBe(401);
    expect((await scrape(`Bearer ${TOKEN.slice(1)}`)).statusCode).toBe(401);
    expect((await scrape(`Bearer ${TOKEN}x`)).statusCode).toBe(401);
    expect((await scrape(TOKEN)).statusCode).toBe(401);
    const ok = await scrape();
    expect(ok.statusCode).toBe(200);
    expect(ok.headers['content-type']).toMatch(/^text\/plain; version=0\.0\.4/);
  });

  it('is not served at all without METRICS_TOKEN, and refuses a short token at start', async () => {
    const config = loadConfig({ ...process.env, DATABASE_URL: 'postgresql://x@127.0.0.1/x' });
    expect(config.METRICS_TOKEN).toBeUndefined();
    const app = await buildWorkerServer({ ...h.services, config: { ...h.services.config, METRICS_TOKEN: undefined } });
    expect((await app.inject({ method: 'GET', url: '/metrics', headers: { authorization: `Bearer ${TOKEN}` } })).statusCode).toBe(404);
    expect((await app.inject({ method: 'GET', url: '/healthz' })).statusCode).toBe(200);
    await app.close();
    expect(() => loadConfig({ METRICS_TOKEN: 'metrics-secret' })).toThrow(/METRICS_TOKEN: at least 32/);
  });

  it('counts turns, jobs, cases, the notification lag and the handoff queue after a real report', async () => {
    const before = (await scrape()).body;
    expect(sample(before, 'tingmin_turn_seconds_count', { channel: 'webchat' }) ?? 0).toBe(0);
    expect(sample(before, 'tingmin_cases_open', { status: 'assigned' })).toBe(0);
    expect(sample(before, 'tingmin_handoffs', { status: 'waiting' })).toBe(0);
    expect(sample(before, 'tingmin_queue_jobs', { queue: 'intake', state: 'waiting' })).toBe(0);

    const user = uniqueUser();
    await h.say(user, '城东区建国路的下水道井盖丢了好几天，晚上很危险');
    await h.press(user, 'topic:城乡建设');
    await h.say(user, '13912345678');
    const { cursor } = await h.poll(user);
    await h.press(user, 'confirm');
    await eventually(async () => (await h.poll(user, cursor)).messages.find((m) => /QH\d{10}/.test(m.text)));
    await h.say(uniqueUser(), '转人工');

    const after = await eventually(async () => {
      const text = (await scrape()).body;
      return sample(text, 'tingmin_notification_lag_seconds_count') === 1 ? text : undefined;
    });
    expect(sample(after, 'tingmin_turn_seconds_count', { channel: 'webchat' })).toBe(5);
    expect(sample(after, 'tingmin_turn_seconds_bucket', { channel: 'webchat', le: '+Inf' })).toBe(5);
    expect(sample(after, 'tingmin_cases_open', { status: 'assigned' })).toBe(1);
    expect(sample(after, 'tingmin_handoffs', { status: 'waiting' })).toBe(1);
    // The intake routes a new case and records its resident's message in its own transaction; the
    // route and notify queues serve what happens to a case later.
    for (const queue of ['intake', 'outbound-webchat']) {
      expect(sample(after, 'tingmin_job_seconds_count', { queue, outcome: 'completed' }), queue).toBeGreaterThanOrEqual(1);
    }
    // Confirmed, routed and delivered while the test's clock stood at one working morning.
    expect(sample(after, 'tingmin_notification_lag_seconds_bucket', { le: '5' })).toBe(1);
    // The pool the hot paths share: the report's statements opened connections, within the setting; none waits now.
    expect(sample(after, 'tingmin_db_pool_connections', { state: 'open' })).toBeGreaterThan(0);
    expect(sample(after, 'tingmin_db_pool_connections', { state: 'open' })).toBeLessThanOrEqual(h.services.config.DATABASE_POOL_SIZE);
    expect(sample(after, 'tingmin_db_pool_connections', { state: 'waiting' })).toBe(0);
    expect(sample(after, 'tingmin_queue_jobs', { queue: 'outbound-webchat', state: 'failed' })).toBe(0);
    expect(sample(after, 'tingmin_metrics_scrape_errors_total')).toBe(0);
  });
});
