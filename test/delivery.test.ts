import { rm } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deliveryKey, logId } from '../core/deliveries.js';
import { startWorkers } from '../workers/index.js';
import { evidencePhoto, makeCase } from './support/cases.js';
import { FakeTelegram, telegramResidents, telegramSettings } from './support/fake-telegram.js';
import { eventually, reconcileAt, startHarness, type Harness } from './support/harness.js';

const SECRET = 's3cret-token';
// The smallest PNG there is: one transparent pixel.
const PNG = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==', 'base64');
const api = new FakeTelegram();
let h: Harness;

// No workers in the harness: the case is made once Telegram is down.
beforeAll(async () => {
  h = await startHarness({
    env: {
      ...(await telegramSettings(api, SECRET)),
    },
  });
});
afterAll(async () => {
  await h.close();
  await api.stop();
  await rm(h.services.config.DATA_DIR, { recursive: true, force: true });
});

const { text, press } = telegramResidents(() => h.app, SECRET);


describe('a notification while the channel is down', () => {
  it('is delivered exactly once after Telegram recovers, long after its job gave up, and logged only then', async () => {
    const chat = 8101;
    await text(chat, '城东区八一路小区门口路面塌陷了一个星期没人管');
    await press(chat, 'topic:城乡建设');
    await text(chat, '跳过');
    await press(chat, 'confirm');
    expect(api.sent(chat).at(-1)?.text).toContain('已收到您的留言');

    api.down = true;
    const workers = await startWorkers(h.services, h.services.queueConnection);
    try {
      const resident = await h.services.db.resident.findFirstOrThrow({ where: { channel: 'telegram', externalId: String(chat) } });
      const assigned = await eventually(async () => (await h.services.db.caseEvent.findFirst({ where: { type: 'assigned', case: { residentId: resident.id } }, include: { case: true } })) ?? undefined);
      const number = assigned.case.number;
      const key = deliveryKey.event(assigned.id);
      const jobGaveUp = () => eventually(async () => ((await (await h.services.outbound.telegram.getJob(key))?.isFailed()) ? true : undefined));
      const told = () => api.sent(chat).filter((m) => m.text.includes(number));
      const logged = () => h.services.db.message.count({ where: { externalId: logId(key, 0) } });
      const delivery = () => h.services.db.delivery.findUniqueOrThrow({ where: { key } });

      // Telegram refused it: nothing reached the resident, so nothing is logged as said to them.
      await eventually(async () => (api.calls.some((c) => c.failed && c.body.chat_id === chat) ? true : undefined));
      expect(told()).toHaveLength(0);
      expect(await logged()).toBe(0);
      // The job's own retries are spent within seconds.
      await jobGaveUp();
      expect(await logged()).toBe(0);
      expect((await delivery()).deliveredAt).toBeNull();

      // The reconciler tries again after minutes, then at growing intervals, while Telegram stays down.
      expect((await reconcileAt(h, 1)).deliveries).toBe(0);
      expect((await reconcileAt(h, 6)).deliveries).toBe(1);
      await jobGaveUp();
      expect((await reconcileAt(h, 10)).deliveries).toBe(0);
      const first = await delivery();
      expect((await reconcileAt(h, 6 + 16)).deliveries).toBe(1);
      await jobGaveUp();
      const second = await delivery();
      expect(second.attempts).toBe(2);
      const gap = (d: typeof first, afterMinutes: number) => d.nextAttemptAt.getTime() - h.services.now().getTime() - afterMinutes * 60_000;
      expect(gap(second, 6 + 16)).toBeGreaterThan(gap(first, 6));
      expect(told()).toHaveLength(0);
      expect(await logged()).toBe(0);

      // Two days later Telegram is back: the next pass delivers it, and only then is it logged.
      api.down = false;
      expect((await reconcileAt(h, 2 * 24 * 60)).deliveries).toBe(1);
      await eventually(async () => ((await delivery()).deliveredAt ? true : undefined));
      expect(told()).toHaveLength(1);
      expect(told()[0]!.text).toContain('西宁市城东区人民政府');
      expect(await logged()).toBe(1);

      // Later passes send nothing again.
      expect((await reconcileAt(h, 10 * 24 * 60)).deliveries).toBe(0);
      await new Promise((r) => setTimeout(r, 500));
      expect(told()).toHaveLength(1);
    } finally {
      api.down = false;
      await workers.close();
    }
  }, 60_000);
});

describe('a notification whose job Redis lost', () => {
  it('is sent at the reconciler’s next run, not at its next try hours later', async () => {
    const c = await makeCase(h.services, { status: 'assigned', departmentCode: 'G630102' });
    const conversation = await h.services.db.conversation.findFirstOrThrow({ where: { resident: { externalId: c.user } } });
    const now = h.services.now().getTime();
    // What queueMessage leaves behind when Redis then loses the job: the record, and no job.
    await h.services.db.delivery.create({
      data: {
        key: deliveryKey.staffMessage(`lost-${c.id}`),
        conversationId: conversation.id,
        replies: [{ text: '关于您的案件，工作人员已到现场查看。' }],
        createdAt: new Date(now - 2 * 60_000),
        nextAttemptAt: new Date(now + 3 * 60_000),
      },
    });
    expect((await reconcileAt(h, 0)).deliveries).toBe(1);
    await eventually(async () => ((await h.poll(c.user)).messages.some((m) => m.text.includes('已到现场查看')) ? true : undefined));
    // Delivered once: the next run finds nothing to send.
    await eventually(async () => ((await h.services.db.delivery.count({ where: { conversationId: conversation.id, deliveredAt: { not: null } } })) ? true : undefined));
    expect((await reconcileAt(h, 0)).deliveries).toBe(0);
  });
});

describe('a notification that failed half-way', () => {
  it('is sent again without what already reached the resident: the photo once, then the answer', async () => {
    const chat = 8102;
    const replies = [{ text: '井盖已更换，见照片。', files: [await evidencePhoto(h.services, PNG)] }];
    const deliver = h.runtime.channels.find((ch) => ch.name === 'telegram')!.deliver;
    const answers = () => api.sent(chat).filter((m) => m.text === '井盖已更换，见照片。');

    // The photo goes; Telegram fails on the text after it, so the try fails (and will be retried).
    api.down = true;
    try {
      await expect(deliver(String(chat), replies, 'half-way-1')).rejects.toThrow();
    } finally {
      api.down = false;
    }
    expect(api.uploads(chat)).toHaveLength(1);
    expect(answers()).toHaveLength(0);
    // The retry sends only the text; a try after that sends nothing.
    await deliver(String(chat), replies, 'half-way-1');
    await deliver(String(chat), replies, 'half-way-1');
    expect(api.uploads(chat)).toHaveLength(1);
    expect(answers()).toHaveLength(1);
    expect(api.calls.filter((x) => String(x.body.chat_id) === String(chat)).map((x) => `${x.method}${x.failed ? ' (failed)' : ''}`)).toEqual([
      'sendPhoto',
      'sendMessage (failed)',
      'sendMessage',
    ]);
    // Nothing of it is left in Redis once it went.
    expect(await h.services.redis.keys(`${h.services.config.REDIS_PREFIX}:telegram:sent-parts:*`)).toEqual([]);
  });
});
