import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually, startHarness, uniqueUser, type Harness } from './support/harness.js';

let h: Harness;
beforeAll(async () => {
  h = await startHarness({ workers: true });
});
afterAll(() => h.close());

const texts = (replies: { text: string }[]) => replies.map((r) => r.text).join('\n');

/** As after a Redis restart without persistence: every key of this deployment is gone. */
async function emptyRedis(): Promise<void> {
  const { redis, config } = h.services;
  for await (const keys of redis.scanIterator({ MATCH: `${config.REDIS_PREFIX}*`, COUNT: 1000 })) {
    if (keys.length) await redis.del(keys);
  }
}

describe('a report in progress when Redis restarts empty', () => {
  it('goes on from the step the resident had reached, and is filed once', async () => {
    const user = uniqueUser();
    await h.say(user, '城东区八一路幸福小区3号楼的电梯坏了一个星期，物业一直不修');
    expect(texts(await h.press(user, 'topic:城乡建设'))).toContain('手机号码');
    // Each turn's copy is in PostgreSQL before its answer is sent.
    await emptyRedis();

    const summary = texts(await h.say(user, '13912345678'));
    expect(summary).toContain('电梯坏了一个星期');
    expect(summary).toContain('【联系电话】13912345678');
    const { cursor } = await h.poll(user);
    await h.press(user, 'confirm');
    const note = await eventually(async () => (await h.poll(user, cursor)).messages.find((m) => /QH\d{10}/.test(m.text)));
    const resident = await h.services.db.resident.findFirstOrThrow({ where: { externalId: user } });
    expect(await h.services.db.case.count({ where: { residentId: resident.id } })).toBe(1);
    expect(note.text).toContain('西宁市城东区人民政府');
  });

  it('forgets a draft left longer than the session lifetime, as Redis would', async () => {
    const user = uniqueUser();
    await h.say(user, '城西区胜利路的井盖丢了三天，晚上很危险');
    const ttl = h.services.config.SESSION_TTL_SECONDS * 1000;
    await h.services.db.dialogueState.updateMany({ where: { externalId: user }, data: { savedAt: new Date(h.services.now().getTime() - ttl - 1000) } });
    await emptyRedis();
    // A phone number alone is no answer to anything now: no summary of the old report.
    const replies = texts(await h.say(user, '13912345678'));
    expect(replies).not.toContain('井盖');
    expect(replies).not.toContain('【联系电话】');
  });
});
