import { rm } from 'node:fs/promises';
import { PuppetMock, mock } from 'wechaty-puppet-mock';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FakeTelegram, telegramSettings } from './support/fake-telegram.js';
import { eventually, startHarness, uniqueUser, type Harness } from './support/harness.js';

const SECRET = 'cross-channel-secret';
const telegramApi = new FakeTelegram();
const mocker = new mock.Mocker();
let h: Harness;

beforeAll(async () => {
  h = await startHarness({
    workers: true,
    wechatPuppet: new PuppetMock({ mocker }),
    env: {
      ...(await telegramSettings(telegramApi, SECRET)),
    },
  });
});
afterAll(async () => {
  await h.close();
  await telegramApi.stop();
  await rm(h.services.config.DATA_DIR, { recursive: true, force: true });
});

// One script; each channel says it its own way (buttons, inline keyboards, numbered lines).
const SCRIPT = ['你好', '互助县威远镇的自来水管爆了，整条街停水两天了', '城乡建设', '13812345678', '确认'];

async function caseOf(channel: 'webchat' | 'telegram' | 'wechat', externalId: string) {
  return eventually(async () => {
    const resident = await h.services.db.resident.findUnique({ where: { channel_externalId: { channel, externalId } } });
    const found = resident && (await h.services.db.case.findFirst({ where: { residentId: resident.id, departmentId: { not: null } }, include: { submission: true, department: true } }));
    if (!found) return undefined;
    const { description, topic, placeText, regionCode, priority, submission, department } = found;
    return { description, topic, placeText, regionCode, priority, phone: submission.phone, department: department!.code };
  });
}

describe('the same conversation on every channel', () => {
  it('gives the same case fields on web chat, Telegram and WeChat', async () => {
    const webUser = uniqueUser();
    for (const line of SCRIPT) await h.say(webUser, line);

    const chat = 8101;
    let update = 90_000;
    for (const line of SCRIPT) {
      await h.app.inject({
        method: 'POST',
        url: '/telegram/webhook',
        headers: { 'x-telegram-bot-api-secret-token': SECRET },
        payload: { update_id: update++, message: { message_id: update, date: 0, chat: { id: chat, type: 'private' }, from: { id: chat, is_bot: false, first_name: 'R' }, text: line } },
      });
    }

    const wechat = h.runtime.wechat!;
    const account = mocker.createContact({ name: '督查室' });
    mocker.login(account);
    const resident = mocker.createContact({ name: '赵女士' });
    let replies = 0;
    wechat.on('message', (m) => {
      if (m.self() && m.listener()?.id === resident.id) replies++;
    });
    for (const line of SCRIPT) {
      const before = replies;
      resident.say(line).to(account);
      await eventually(async () => (replies > before ? true : undefined));
    }

    const web = await caseOf('webchat', webUser);
    expect(web).toMatchObject({ topic: '城乡建设', regionCode: '630223', phone: '13812345678', department: 'G630223' });
    expect(await caseOf('telegram', String(chat))).toEqual(web);
    expect(await caseOf('wechat', resident.id)).toEqual(web);
  });
});
