// A message Telegram cannot deliver is sent again until DELIVERY_GIVE_UP_HOURS, then no more; one
// Telegram refuses because the resident blocked the bot is given up at once. Either way staff see
// on the case that the resident was not reached.
import { randomBytes } from 'node:crypto';
import { rm } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hashPassword } from '../bot/console/passwords.js';
import { deliveryKey, logId } from '../core/deliveries.js';
import { startWorkers } from '../workers/index.js';
import { startFakeRobots, type FakeRobots } from './support/fake-robots.js';
import { FakeTelegram, telegramResidents, telegramSettings } from './support/fake-telegram.js';
import { eventually, reconcileAt, startHarness, type Harness } from './support/harness.js';

const SECRET = 's3cret-token';
const METRICS_TOKEN = randomBytes(32).toString('hex');
const PASSWORD = 'a long enough secret';
const HOUR = 60;
const api = new FakeTelegram();
let robots: FakeRobots;
let h: Harness;
type Session = { cookie: string; csrf: string };

// No workers in the harness: the reports are filed first, the workers started once Telegram refuses one resident.
beforeAll(async () => {
  let now = () => new Date(0);
  robots = await startFakeRobots({ dingtalkSecrets: {}, now: () => now() });
  h = await startHarness({ env: { ...(await telegramSettings(api, SECRET)), METRICS_TOKEN, ALERT_ALLOW_LOCAL_HTTP: 'true' } });
  now = h.services.now;
  const hash = await hashPassword(PASSWORD);
  await h.services.db.staff.createMany({ data: [{ username: 'root', role: 'admin', passwordHash: hash }, { username: 'clerk', role: 'supervisor', passwordHash: hash }] });
}, 30_000);
afterAll(async () => {
  await h.close();
  await api.stop();
  await robots.close();
  await rm(h.services.config.DATA_DIR, { recursive: true, force: true });
});

const { text, press } = telegramResidents(() => h.app, SECRET);

async function fileReport(chat: number, report: string): Promise<void> {
  await text(chat, report);
  await press(chat, 'topic:城乡建设');
  await text(chat, '跳过');
  await press(chat, 'confirm');
  expect(api.sent(chat).at(-1)?.text).toContain('已收到您的留言');
}

async function signIn(username: string): Promise<Session> {
  const res = await h.app.inject({ method: 'POST', url: '/console/api/login', payload: { username, password: PASSWORD } });
  return { cookie: String(res.headers['set-cookie']).split(';')[0]!, csrf: res.json().csrfToken as string };
}


describe('a message to a resident that Telegram does not deliver', () => {
  it('is sent again until DELIVERY_GIVE_UP_HOURS and not after; the clerk sees on the case that the resident was not reached', async () => {
    const blocker = 8201;
    const reached = 8202;
    await fileReport(blocker, '城东区八一路小区门口路面塌陷了一个星期没人管');
    // Another problem, so it is a case of its own (not linked to the first).
    await fileReport(reached, '城东区东关大街的路灯坏了半个月，晚上出门很不安全');
    // The department has a WeCom robot: it hears of a resident who could not be reached, as of its other cases.
    const admin = await signIn('root');
    const contact = await h.app.inject({
      method: 'PUT',
      url: '/console/api/admin/departments/G630102',
      payload: { alerts: [{ kind: 'wecom', url: robots.wecomUrl('wkey-unreachable') }] },
      headers: { cookie: admin.cookie, 'x-csrf-token': admin.csrf },
    });
    expect(contact.statusCode).toBe(200);

    // Telegram fails for the first resident right after filing (502 from then on, as in an outage of its own).
    api.failing.add(blocker);
    const workers = await startWorkers(h.services, h.services.queueConnection);
    try {
      const { db } = h.services;
      const assignedOf = async (chat: number) => {
        const resident = await db.resident.findFirstOrThrow({ where: { channel: 'telegram', externalId: String(chat) } });
        return eventually(async () => (await db.caseEvent.findFirst({ where: { type: 'assigned', case: { residentId: resident.id } }, include: { case: true } })) ?? undefined);
      };
      const refused = await assignedOf(blocker);
      const accepted = await assignedOf(reached);
      const key = deliveryKey.event(refused.id);
      const delivery = () => db.delivery.findUniqueOrThrow({ where: { key } });
      const tries = () => api.calls.filter((c) => c.failed && c.body.chat_id === blocker).length;
      const jobGaveUp = () => eventually(async () => ((await (await h.services.outbound.telegram.getJob(key))?.isFailed()) ? true : undefined));

      // The other resident got their case number at once.
      await eventually(async () => ((await db.delivery.findUniqueOrThrow({ where: { key: deliveryKey.event(accepted.id) } })).deliveredAt ? true : undefined));
      await jobGaveUp();

      // Before the limit (72 hours) the refused message is sent again on the usual schedule.
      expect(await reconcileAt(h, 6)).toMatchObject({ deliveries: 1, givenUp: 0 });
      await jobGaveUp();
      const before = tries();
      expect(await reconcileAt(h, 71 * HOUR)).toMatchObject({ deliveries: 1, givenUp: 0 });
      await eventually(async () => (tries() > before ? true : undefined));
      await jobGaveUp();
      expect((await delivery()).attempts).toBe(2);

      // Past it, two reconcilers at once (two worker processes) give it up once, and send nothing.
      const sent = tries();
      const runs = await Promise.all([reconcileAt(h, 72 * HOUR + 1), reconcileAt(h, 72 * HOUR + 1)]);
      expect(runs.map((r) => r.givenUp).sort()).toEqual([0, 1]);
      expect(runs.map((r) => r.deliveries)).toEqual([0, 0]);
      expect((await delivery()).gaveUpAt).not.toBeNull();
      expect(await reconcileAt(h, 96 * HOUR)).toMatchObject({ deliveries: 0, givenUp: 0 });
      await new Promise((r) => setTimeout(r, 500));
      expect(tries()).toBe(sent);

      // The clerk sees it on the case's timeline, in both languages; the case's status is unchanged.
      const clerk = await signIn('clerk');
      const caseOf = async (id: string, lang: 'zh' | 'en') =>
        (await h.app.inject({ method: 'GET', url: `/console/api/cases/${id}?lang=${lang}`, headers: { cookie: clerk.cookie } })).json() as {
          status: string;
          events: { id: string; type: string; text: string; actorName: string }[];
        };
      const zh = await caseOf(refused.caseId, 'zh');
      expect(zh.status).toBe('assigned');
      const unreachable = zh.events.filter((e) => e.type === 'resident_unreachable');
      expect(unreachable).toHaveLength(1);
      expect(unreachable[0]).toMatchObject({ text: '未能通知到居民（Telegram，已重试 2 次），请电话联系', actorName: '系统' });
      expect((await caseOf(refused.caseId, 'en')).events.find((e) => e.type === 'resident_unreachable')?.text).toBe(
        'The resident could not be reached (Telegram, retried 2 times); please phone them',
      );
      // The message that got through leaves its case as it was.
      expect((await caseOf(accepted.caseId, 'zh')).events.map((e) => e.type)).not.toContain('resident_unreachable');

      // The department's robot is told; the resident is not sent a message about it.
      const number = refused.case.number;
      await eventually(async () => (robots.accepted.some((m) => m.body.markdown?.content?.includes(number) && m.body.markdown.content.includes('请电话联系居民')) ? true : undefined));
      expect(await db.delivery.count({ where: { key: deliveryKey.event(unreachable[0]!.id) } })).toBe(0);
      expect((await reconcileAt(h, 96 * HOUR)).notifications).toBe(0);

      // Counted on /metrics per channel.
      const metrics = await h.app.inject({ method: 'GET', url: '/metrics', headers: { authorization: `Bearer ${METRICS_TOKEN}` } });
      expect(metrics.body).toMatch(/^tingmin_deliveries_given_up_total\{channel="telegram",reason="late"\} 1$/m);

      // A try already under way when it was given up (here its job retried) still delivers it, and it is logged.
      api.failing.delete(blocker);
      await (await h.services.outbound.telegram.getJob(key))!.retry();
      await eventually(async () => ((await delivery()).deliveredAt ? true : undefined));
      expect(api.sent(blocker).filter((m) => m.text.includes(number))).toHaveLength(1);
      expect(await db.message.count({ where: { externalId: logId(key, 0) } })).toBe(1);
    } finally {
      api.failing.clear();
      await workers.close();
    }
  }, 60_000);

  it('is given up at once when the resident blocked the bot (403), and staff are told now', async () => {
    const blocker = 8203;
    await fileReport(blocker, '城东区南山路的下水井盖丢了，晚上很危险，已经有人摔倒');
    api.blocked.add(blocker);
    const workers = await startWorkers(h.services, h.services.queueConnection);
    try {
      const { db } = h.services;
      const resident = await db.resident.findFirstOrThrow({ where: { channel: 'telegram', externalId: String(blocker) } });
      const assigned = await eventually(async () => (await db.caseEvent.findFirst({ where: { type: 'assigned', case: { residentId: resident.id } }, include: { case: true } })) ?? undefined);
      const key = deliveryKey.event(assigned.id);
      // Given up by the delivery itself, without the reconciler and without the job's own retries.
      await eventually(async () => ((await db.delivery.findUniqueOrThrow({ where: { key } })).gaveUpAt ? true : undefined));
      await new Promise((r) => setTimeout(r, 500));
      expect(api.calls.filter((c) => c.body.chat_id === blocker && c.failed)).toHaveLength(1);
      expect(await reconcileAt(h, 6)).toMatchObject({ deliveries: 0, givenUp: 0 });

      const clerk = await signIn('clerk');
      const view = (await h.app.inject({ method: 'GET', url: `/console/api/cases/${assigned.caseId}?lang=zh`, headers: { cookie: clerk.cookie } })).json() as {
        status: string;
        events: { type: string; text: string }[];
      };
      expect(view.status).toBe('assigned');
      expect(view.events.filter((e) => e.type === 'resident_refused').map((e) => e.text)).toEqual(['居民在Telegram拒收消息（已屏蔽或取消关注），未能通知，请电话联系']);
      const number = assigned.case.number;
      await eventually(async () => (robots.accepted.some((m) => m.body.markdown?.content?.includes(number) && m.body.markdown.content.includes('拒收消息')) ? true : undefined));
      const metrics = await h.app.inject({ method: 'GET', url: '/metrics', headers: { authorization: `Bearer ${METRICS_TOKEN}` } });
      expect(metrics.body).toMatch(/^tingmin_deliveries_given_up_total\{channel="telegram",reason="refused"\} 1$/m);
    } finally {
      api.blocked.clear();
      await workers.close();
    }
  }, 60_000);
});
