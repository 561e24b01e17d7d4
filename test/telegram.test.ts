import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FakeTelegram } from './support/fake-telegram.js';
import { eventually, startHarness, type Harness } from './support/harness.js';

const SECRET = 's3cret-token';
const api = new FakeTelegram();
let h: Harness;
let updateId = 1000;

beforeAll(async () => {
  const apiRoot = await api.start();
  h = await startHarness({
    workers: true,
    env: {
      TELEGRAM_BOT_TOKEN: '123456:TEST',
      TELEGRAM_API_ROOT: apiRoot,
      TELEGRAM_WEBHOOK_URL: 'https://hotline.example.test/telegram/webhook',
      TELEGRAM_WEBHOOK_SECRET: SECRET,
    },
  });
});
afterAll(async () => {
  await h.close();
  await api.stop();
});

const person = (id: number) => ({ id, is_bot: false, first_name: 'Resident' });
const privateChat = (id: number) => ({ id, type: 'private', first_name: 'Resident' });

function deliver(update: Record<string, unknown>, secret = SECRET) {
  return h.app.inject({
    method: 'POST',
    url: '/telegram/webhook',
    headers: { 'x-telegram-bot-api-secret-token': secret },
    payload: { update_id: updateId++, ...update },
  });
}
const text = (chat: number, body: string, extra: Record<string, unknown> = {}) =>
  deliver({ message: { message_id: updateId, date: 0, chat: privateChat(chat), from: person(chat), text: body, ...extra } });
const press = (chat: number, data: string) =>
  deliver({ callback_query: { id: `cb${updateId}`, from: person(chat), chat_instance: 'ci', data, message: { message_id: 1, date: 0, chat: privateChat(chat) } } });
const last = (chat: number) => api.sent(chat).at(-1)!;

describe('Telegram channel', () => {
  it('registers its commands and its webhook with the secret at start-up', () => {
    expect(api.calls.find((c) => c.method === 'setMyCommands')?.body.commands).toEqual(
      expect.arrayContaining([expect.objectContaining({ command: 'status' }), expect.objectContaining({ command: 'cancel' })]),
    );
    expect(api.calls.find((c) => c.method === 'setWebhook')?.body).toMatchObject({
      url: 'https://hotline.example.test/telegram/webhook',
      secret_token: SECRET,
    });
  });

  it('runs a whole report with inline keyboards and delivers the case number from the workers', async () => {
    const chat = 7001;
    expect((await text(chat, '/start')).statusCode).toBe(200);
    expect(last(chat).buttons.map((b) => b.text)).toEqual(['反映问题', '查询进度', '转人工', '帮助']);
    await text(chat, '城东区八一路小区门口路面塌陷了一个星期没人管');
    expect(last(chat).buttons.some((b) => b.callback_data.startsWith('topic:'))).toBe(true);
    await press(chat, 'topic:城乡建设');
    expect(api.calls.filter((c) => c.method === 'answerCallbackQuery').length).toBeGreaterThan(0);
    expect(last(chat).text).toContain('手机号码');
    await text(chat, '跳过');
    expect(last(chat).text).toContain('【发生地点】西宁市城东区');
    await press(chat, 'confirm');
    expect(last(chat).text).toContain('已收到您的留言');
    const note = await eventually(async () => api.sent(chat).find((m) => /QH\d{10}/.test(m.text)));
    expect(note.text).toContain('西宁市城东区人民政府');
    const number = note.text.match(/QH\d{10}/)![0];
    await text(chat, `/status ${number}`);
    expect(last(chat).text).toContain(`案件 ${number}`);
    expect(last(chat).text).toContain('【状态】已转办');
  });

  it('refuses updates with a wrong or missing secret and processes nothing', async () => {
    const before = api.calls.length;
    const update = { update_id: updateId++, message: { message_id: 1, date: 0, chat: privateChat(7002), from: person(7002), text: '你好' } };
    const wrong = await h.app.inject({ method: 'POST', url: '/telegram/webhook', headers: { 'x-telegram-bot-api-secret-token': 'wrong' }, payload: update });
    const missing = await h.app.inject({ method: 'POST', url: '/telegram/webhook', payload: update });
    expect([wrong.statusCode, missing.statusCode]).toEqual([401, 401]);
    expect(api.sent(7002)).toHaveLength(0);
    expect(api.calls.length).toBe(before);
  });

  it('answers an update delivered twice only once', async () => {
    const chat = 7004;
    const update = { update_id: 555_000, message: { message_id: 9, date: 0, chat: privateChat(chat), from: person(chat), text: '你好' } };
    const send = () => h.app.inject({ method: 'POST', url: '/telegram/webhook', headers: { 'x-telegram-bot-api-secret-token': SECRET }, payload: update });
    expect((await send()).statusCode).toBe(200);
    expect((await send()).statusCode).toBe(200);
    expect(api.sent(chat)).toHaveLength(1);
  });

  it('waits out a 429 from the Bot API and still delivers', async () => {
    const chat = 7005;
    api.floodNext = 1;
    await text(chat, '帮助');
    const attempts = api.calls.filter((c) => c.method === 'sendMessage' && c.body.chat_id === chat);
    expect(attempts.length).toBe(2);
    expect(last(chat).text).toContain('使用方法');
  });

  it('explains politely that stickers and voice are not read, and ignores group chats', async () => {
    const chat = 7006;
    await deliver({ message: { message_id: 3, date: 0, chat: privateChat(chat), from: person(chat), sticker: { file_id: 'x', file_unique_id: 'y', type: 'regular', width: 1, height: 1, is_animated: false, is_video: false } } });
    expect(last(chat).text).toContain('目前只能接收文字消息');
    await deliver({ message: { message_id: 4, date: 0, chat: { id: -100, type: 'group', title: 'g' }, from: person(chat), text: '你好' } });
    expect(api.sent(-100)).toHaveLength(0);
  });

  it('splits a reply longer than 4096 characters', async () => {
    const chat = 7007;
    await text(chat, '我的案件');
    const base = api.calls.length;
    const { sendReplies } = await import('../bot/channels/telegram/send.js');
    await sendReplies(h.runtime.telegram!.api, chat, [{ text: '长'.repeat(5000), buttons: [{ label: 'OK', payload: 'menu' }] }]);
    const parts = api.calls.slice(base).filter((c) => c.method === 'sendMessage');
    expect(parts.map((p) => String(p.body.text).length)).toEqual([4096, 904]);
    expect(parts[0]!.body.reply_markup).toBeUndefined();
    expect(parts[1]!.body.reply_markup).toBeDefined();
  });
});
