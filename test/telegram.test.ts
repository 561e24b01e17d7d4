import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AttachmentStore } from '../bot/conversations/attachments.js';
import { caseActions } from '../core/cases/actions.js';
import { loadConfig } from '../core/platform/config.js';
import { makeCase } from './support/cases.js';
import { FakeTelegram, telegramPerson, telegramPrivateChat, telegramResidents, telegramSettings } from './support/fake-telegram.js';
import { eventually, startHarness, type Harness } from './support/harness.js';

const SECRET = 's3cret-token';
// The smallest PNG there is: one transparent pixel.
const PNG = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==', 'base64');
const api = new FakeTelegram();
let h: Harness;

beforeAll(async () => {
  h = await startHarness({
    workers: true,
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

const { deliver, text, press, nextUpdateId } = telegramResidents(() => h.app, SECRET);
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
    const update = { update_id: nextUpdateId(), message: { message_id: 1, date: 0, chat: telegramPrivateChat(7002), from: telegramPerson(7002), text: '你好' } };
    const wrong = await h.app.inject({ method: 'POST', url: '/telegram/webhook', headers: { 'x-telegram-bot-api-secret-token': 'wrong' }, payload: update });
    const missing = await h.app.inject({ method: 'POST', url: '/telegram/webhook', payload: update });
    expect([wrong.statusCode, missing.statusCode]).toEqual([401, 401]);
    expect(api.sent(7002)).toHaveLength(0);
    // Nothing was asked of Telegram for this update (the workers may still be notifying the first test's chat).
    expect(api.calls.slice(before).filter((c) => c.body.chat_id === undefined || c.body.chat_id === 7002)).toEqual([]);
  });

  it('answers an update delivered twice only once', async () => {
    const chat = 7004;
    const update = { update_id: 555_000, message: { message_id: 9, date: 0, chat: telegramPrivateChat(chat), from: telegramPerson(chat), text: '你好' } };
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

  it('keeps a photo with the report and takes a shared location as the place', async () => {
    const chat = 7008;
    const jpeg = Buffer.concat([Buffer.from([0xff, 0xd8, 0xff, 0xe0]), Buffer.from('a photo of the pothole')]);
    api.files.set('files/photo-1', jpeg);
    await deliver({ message: { message_id: 5, date: 0, chat: telegramPrivateChat(chat), from: telegramPerson(chat), photo: [{ file_id: 'photo-1', file_unique_id: 'p1', width: 90, height: 90, file_size: jpeg.length }] } });
    expect(api.sent(chat).map((m) => m.text).join('\n')).toContain('已收到您发来的附件');
    expect(last(chat).text).toContain('请描述');
    await text(chat, '小区门口的下水井盖丢了好几天，晚上非常危险');
    await press(chat, 'topic:城乡建设');
    expect(last(chat).text).toContain('问题发生在哪里');
    await deliver({ message: { message_id: 6, date: 0, chat: telegramPrivateChat(chat), from: telegramPerson(chat), location: { latitude: 36.62, longitude: 101.78 }, venue: { location: { latitude: 36.62, longitude: 101.78 }, title: '八一路小区', address: '西宁市城东区八一路' } } });
    expect(last(chat).text).toContain('手机号码');
    await text(chat, '跳过');
    expect(last(chat).text).toContain('【发生地点】八一路小区 西宁市城东区八一路');
    expect(last(chat).text).toContain('【附件】1');
    await press(chat, 'confirm');
    const resident = await h.services.db.resident.findFirstOrThrow({ where: { channel: 'telegram', externalId: String(chat) } });
    const submission = await h.services.db.submission.findFirstOrThrow({ where: { residentId: resident.id }, include: { attachments: true } });
    expect(submission.regionCode).toBe('630102');
    expect(submission.attachments).toMatchObject([{ mimeType: 'image/jpeg', size: jpeg.length, kind: 'photo' }]);
    const { readFile } = await import('node:fs/promises');
    expect(await readFile(join(h.services.config.DATA_DIR, 'attachments', submission.attachments[0]!.sha256))).toEqual(jpeg);
  });

  it('refuses a file that is not a photo or PDF, and one over the size limit, politely', async () => {
    const chat = 7009;
    api.files.set('files/doc-1', Buffer.from('MZ this is an executable'));
    await deliver({ message: { message_id: 7, date: 0, chat: telegramPrivateChat(chat), from: telegramPerson(chat), document: { file_id: 'doc-1', file_unique_id: 'd1', file_size: 24 } } });
    expect(last(chat).text).toContain('这种文件暂时不能接收');
    await deliver({ message: { message_id: 8, date: 0, chat: telegramPrivateChat(chat), from: telegramPerson(chat), document: { file_id: 'doc-2', file_unique_id: 'd2', file_size: 50 * 1024 * 1024 } } });
    expect(last(chat).text).toContain('文件太大了（上限 10 MB）');
  });

  it('stops downloading a file past the size limit even when no size was given', async () => {
    const chat = 7010;
    api.endless.add('files/endless-1');
    await deliver({ message: { message_id: 10, date: 0, chat: telegramPrivateChat(chat), from: telegramPerson(chat), document: { file_id: 'endless-1', file_unique_id: 'e1' } } });
    expect(last(chat).text).toContain('文件太大了（上限 10 MB）');
    await eventually(async () => (api.abandoned.includes('files/endless-1') ? true : undefined));
  });

  it('refuses a file path that would leave the file area, without requesting it', async () => {
    const chat = 7011;
    for (const [i, path] of ['../../bot123:TEST/getMe', 'files/a?b=1', 'files/a#b', '/etc/passwd', 'files/..'].entries()) {
      api.filePaths.set(`odd-${i}`, path);
      api.files.set(path, Buffer.from('%PDF-1.4 not for download'));
      const [requests, calls] = [api.requests.length, api.calls.length];
      await deliver({ message: { message_id: 20 + i, date: 0, chat: telegramPrivateChat(chat), from: telegramPerson(chat), document: { file_id: `odd-${i}`, file_unique_id: `o${i}`, file_size: 25 } } });
      expect(last(chat).text, path).toContain('这种文件暂时不能接收');
      // No download and no other method: only getFile and the answer. Calls to other chats are left
      // out, because the workers may be notifying the residents of earlier tests meanwhile.
      expect(api.requests.slice(requests).every((url) => /^\/bot[^/]+\/\w+$/.test(url)), path).toBe(true);
      const mine = api.calls.slice(calls).filter((c) => c.body.chat_id === undefined || c.body.chat_id === chat);
      expect(mine.map((c) => c.method), path).toEqual(['getFile', 'sendMessage']);
    }
  });

  it('refuses a plain-http Bot API server elsewhere than on this machine, with a clear message', () => {
    const env = (root: string) => ({ ...process.env, TELEGRAM_API_ROOT: root });
    expect(() => loadConfig(env('http://telegram.example.org'))).toThrow(/TELEGRAM_API_ROOT: must be an https:\/\/ URL; http:\/\/ only for a Bot API server on this machine/);
    expect(() => loadConfig(env('ftp://127.0.0.1'))).toThrow(/TELEGRAM_API_ROOT/);
    for (const ok of ['https://api.telegram.org', 'http://127.0.0.1:8081', 'http://localhost:8081', 'http://[::1]:8081']) {
      expect(loadConfig(env(ok)).TELEGRAM_API_ROOT).toBe(ok);
    }
  });

  it('answers 400 to a body that is no update, and keeps serving', async () => {
    for (const payload of [[], { update_id: 'x' }, { message: {} }, 'null']) {
      const res = await h.app.inject({ method: 'POST', url: '/telegram/webhook', headers: { 'x-telegram-bot-api-secret-token': SECRET, 'content-type': 'application/json' }, payload: typeof payload === 'string' ? payload : JSON.stringify(payload) });
      expect(res.statusCode, JSON.stringify(payload)).toBe(400);
    }
    await text(7012, '帮助');
    expect(last(7012).text).toContain('使用方法');
  });

  it('explains politely that stickers and voice are not read, and ignores group chats', async () => {
    const chat = 7006;
    await deliver({ message: { message_id: 3, date: 0, chat: telegramPrivateChat(chat), from: telegramPerson(chat), sticker: { file_id: 'x', file_unique_id: 'y', type: 'regular', width: 1, height: 1, is_animated: false, is_video: false } } });
    expect(last(chat).text).toContain('语音、视频和表情暂时无法处理');
    await deliver({ message: { message_id: 9, date: 0, chat: telegramPrivateChat(chat), from: telegramPerson(chat), contact: { phone_number: '+8613900000000', first_name: 'X' } } });
    expect(last(chat).text).toContain('这类消息暂时无法处理');
    await deliver({ message: { message_id: 4, date: 0, chat: { id: -100, type: 'group', title: 'g' }, from: telegramPerson(chat), text: '你好' } });
    expect(api.sent(-100)).toHaveLength(0);
  });

  it('splits a reply longer than 4096 characters', async () => {
    const chat = 7007;
    await text(chat, '我的案件');
    const base = api.calls.length;
    const { sendReplies } = await import('../bot/channels/telegram/send.js');
    await sendReplies(h.runtime.telegram!.api, chat, [{ text: '长'.repeat(5000), buttons: [{ label: 'OK', payload: 'menu' }] }]);
    const parts = api.calls.slice(base).filter((c) => c.method === 'sendMessage' && c.body.chat_id === chat);
    expect(parts.map((p) => String(p.body.text).length)).toEqual([4096, 904]);
    expect(parts[0]!.body.reply_markup).toBeUndefined();
    expect(parts[1]!.body.reply_markup).toBeDefined();
  });

  it('carries a handoff both ways: the bot is silent, staff replies arrive in the chat', async () => {
    const chat = 7090;
    await text(chat, '转人工');
    const resident = await h.services.db.resident.findFirstOrThrow({ where: { channel: 'telegram', externalId: String(chat) } });
    const handoff = await h.services.db.handoff.findFirstOrThrow({ where: { residentId: resident.id } });
    const office = await h.services.db.staff.create({ data: { username: 'tg-office', role: 'supervisor', passwordHash: 'x' } });
    await h.runtime.handoff.claim(handoff.id, office);
    await eventually(async () => api.sent(chat).find((m) => m.text.includes('工作人员已接入')));
    const before = api.sent(chat).length;
    await text(chat, '我家门口的井盖丢了');
    await h.runtime.handoff.say(handoff.id, office, '收到，马上派人去看。');
    await eventually(async () => api.sent(chat).find((m) => m.text === '收到，马上派人去看。'));
    // Between the two, the bot said nothing of its own.
    expect(api.sent(chat).slice(before).map((m) => m.text)).toEqual(['收到，马上派人去看。']);
  });
});

describe('a resolution with evidence on Telegram', () => {
  it('sends the photo, then the answer with the rating buttons', async () => {
    const chat = 777001;
    const { db } = h.services;
    const c = await makeCase(h.services, { status: 'in_progress', departmentCode: 'DCS' });
    // The case's resident is a Telegram user.
    await db.resident.update({ where: { id: c.residentId }, data: { channel: 'telegram', externalId: String(chat) } });
    const office = await db.staff.create({ data: { username: 'tg-evidence-office', role: 'supervisor', departmentId: (await db.department.findUniqueOrThrow({ where: { code: 'DCS' } })).id, passwordHash: 'unused' } });
    const saved = await new AttachmentStore(db, h.services.config.DATA_DIR, h.services.config.ATTACHMENT_MAX_BYTES).save(PNG, 'photo', c.id);
    if (!saved.stored) throw new Error('the photo was not stored');
    await caseActions(h.services).resolve(office, c.id, '井盖已更换，见照片。', [saved.id]);
    const answer = await eventually(async () => api.sent(chat).find((m) => m.text.includes('井盖已更换')));
    expect(answer.buttons.map((b) => b.text)).toEqual(['满意', '基本满意', '不满意']);
    const [photo] = api.uploads(chat);
    expect(photo?.method).toBe('sendPhoto');
    expect(photo?.bytes.equals(PNG)).toBe(true);
    // The photo came first.
    const order = api.calls.filter((x) => String(x.body.chat_id) === String(chat)).map((x) => x.method);
    expect(order).toEqual(['sendPhoto', 'sendMessage']);
  });
});
