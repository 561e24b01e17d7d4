import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createHash } from 'node:crypto';
import { FileBox } from 'file-box';
import { types } from 'wechaty';
import { PuppetMock, mock } from 'wechaty-puppet-mock';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AttachmentStore } from '../bot/conversations/attachments.js';
import { caseActions } from '../core/cases/actions.js';
import { evidencePhoto, makeCase } from './support/cases.js';
import { eventually, startHarness, type Harness } from './support/harness.js';

const PNG = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==', 'base64');
const PDF = Buffer.from('%PDF-1.4\n% 验收单\n%%EOF\n');

// No WeChat server exists here: wechaty-puppet-mock plays WeChat, with contacts that talk to the bot.
const mocker = new mock.Mocker();
const puppet = new PuppetMock({ mocker });
let h: Harness;
let account: mock.ContactMock;
const received = new Map<string, string[]>();
/** Files the bot sent each contact: their name, kind and bytes. */
const sentFiles = new Map<string, Promise<{ name: string; type: types.Message; bytes: Buffer }>[]>();

beforeAll(async () => {
  const dataDir = await mkdtemp(join(tmpdir(), 'tingmin-wechat-'));
  h = await startHarness({ workers: true, wechatPuppet: puppet, env: { DATA_DIR: dataDir } });
  h.runtime.wechat!.on('message', (m) => {
    const to = m.listener()?.id;
    if (!m.self() || !to) return;
    // The mock names a PDF's type only by its extension, so any message that is not text is a file here.
    if (m.type() !== types.Message.Text) {
      const file = m.toFileBox().then(async (box) => ({ name: box.name, type: m.type(), bytes: await box.toBuffer() }));
      sentFiles.set(to, [...(sentFiles.get(to) ?? []), file]);
    } else received.set(to, [...(received.get(to) ?? []), m.text()]);
  });
  mocker.scan('https://login.example.test/qr', 1);
  account = mocker.createContact({ name: '省政府督查室' });
  mocker.login(account);
});
afterAll(async () => {
  await h.close();
  await rm(h.services.config.DATA_DIR, { recursive: true, force: true });
});

async function says(resident: mock.ContactMock, text: string | FileBox): Promise<string> {
  const before = received.get(resident.id)?.length ?? 0;
  resident.say(text).to(account);
  return eventually(async () => {
    const all = received.get(resident.id) ?? [];
    return all.length > before ? all.slice(before).join('\n') : undefined;
  });
}

describe('WeChat channel', () => {
  it('runs a report with numbered choices and delivers the case number from the workers', async () => {
    const resident = mocker.createContact({ name: '王女士' });
    expect(await says(resident, '你好')).toMatch(/1\. 反映问题\n2\. 查询进度\n3\. 转人工\n4\. 帮助/);
    expect(await says(resident, '１')).toContain('请描述');
    const topic = await says(resident, '城东区八一路小区门口路面塌陷了一个星期没人管');
    expect(topic).toMatch(/\n1\. /);
    expect(await says(resident, '城乡建设')).toContain('手机号码');
    const summary = await says(resident, '一');
    expect(summary).toContain('【联系电话】未填写');
    expect(summary).toContain('1. 确认提交');
    expect(await says(resident, '1')).toContain('已收到您的留言');
    const note = await eventually(async () => received.get(resident.id)?.find((t) => /QH\d{10}/.test(t)));
    expect(note).toContain('西宁市城东区人民政府');
  });

  it('keeps a photo with the report it starts', async () => {
    const resident = mocker.createContact({ name: '李先生' });
    const jpeg = Buffer.concat([Buffer.from([0xff, 0xd8, 0xff, 0xe0]), Buffer.from('road photo')]);
    const reply = await says(resident, FileBox.fromBase64(jpeg.toString('base64'), 'road.jpg'));
    expect(reply).toContain('已收到您发来的附件');
    expect(reply).toContain('请描述');
    const stored = await h.services.db.attachment.findMany({ where: { sha256: createHash('sha256').update(jpeg).digest('hex') } });
    expect(stored).toHaveLength(1);
    expect(await readFile(join(h.services.config.DATA_DIR, 'attachments', stored[0]!.sha256))).toEqual(jpeg);
  });

  it('asks politely for text when sent a video', async () => {
    const resident = mocker.createContact({ name: '马先生' });
    expect(await says(resident, FileBox.fromBase64(Buffer.from('video').toString('base64'), 'clip.mp4'))).toContain('语音、视频和表情暂时无法处理');
  });

  it('ignores group chats', async () => {
    const resident = mocker.createContact({ name: '群成员' });
    const room = mocker.createRoom({ topic: '小区业主群', memberIdList: [account.id, resident.id] });
    resident.say('你好').to(room);
    await new Promise((r) => setTimeout(r, 300));
    expect(received.get(room.id)).toBeUndefined();
    expect(received.get(resident.id)).toBeUndefined();
  });

  it('accepts a resident’s friend request', async () => {
    const resident = mocker.createContact({ name: '新朋友' });
    const accepted: string[] = [];
    // The mock knows no friend requests: give it one, as WeChat would, and note the acceptance.
    puppet.friendshipRawPayload = async (id: string) => ({ id, contactId: resident.id, hello: '你好', type: types.Friendship.Receive, timestamp: Date.now() });
    puppet.friendshipAccept = async (id: string) => void accepted.push(id);
    puppet.emit('friendship', { friendshipId: 'request-1' });
    await eventually(async () => (accepted.length ? true : undefined));
    expect(accepted).toEqual(['request-1']);
  });

  it('writes the login QR code for the administrators', async () => {
    expect(await readFile(join(h.services.config.DATA_DIR, 'wechat-login-qrcode.txt'), 'utf8')).toContain('https://login.example.test/qr');
  });

  it('keeps notifications while logged out and delivers them after the next login, in order and once', async () => {
    const resident = mocker.createContact({ name: '张先生' });
    await says(resident, '你好');
    const { db, outbound } = h.services;
    const record = await db.resident.findFirstOrThrow({ where: { channel: 'wechat', externalId: resident.id }, include: { conversations: true } });
    const job = (key: string, text: string) =>
      outbound.wechat.add('deliver', { key, conversationId: record.conversations[0]!.id, recipient: resident.id, replies: [{ text }] }, { jobId: key });
    await h.runtime.wechat!.logout();
    await job('offline-1', '第一条通知');
    await job('offline-2', '第二条通知');
    await new Promise((r) => setTimeout(r, 500));
    const before = received.get(resident.id)!.length;
    expect(received.get(resident.id)!.slice(before)).toEqual([]);
    mocker.login(account);
    const delivered = await eventually(async () => {
      const all = received.get(resident.id)!.slice(before);
      return all.length >= 2 ? all : undefined;
    });
    expect(delivered).toEqual(['第一条通知', '第二条通知']);
    // The same delivery queued again (a retried job) is not sent twice.
    await outbound.wechat.add('deliver', { key: 'offline-1', conversationId: record.conversations[0]!.id, recipient: resident.id, replies: [{ text: '第一条通知' }] }, { jobId: 'offline-1-retry' });
    await eventually(async () => ((await outbound.wechat.getJobState('offline-1-retry')) === 'completed' ? true : undefined));
    expect(received.get(resident.id)!.slice(before)).toEqual(['第一条通知', '第二条通知']);
  });

  it('sends a resolution’s evidence with the answer: the photo as an image, the PDF as a file', async () => {
    const resident = mocker.createContact({ name: '孙女士' });
    await says(resident, '你好');
    const { db } = h.services;
    const row = await db.resident.findFirstOrThrow({ where: { channel: 'wechat', externalId: resident.id }, include: { conversations: true } });
    const c = await makeCase(h.services, { status: 'in_progress', departmentCode: 'DCS' });
    await db.submission.update({ where: { id: c.submissionId }, data: { residentId: row.id, conversationId: row.conversations[0]!.id } });
    await db.case.update({ where: { id: c.id }, data: { residentId: row.id } });
    const store = new AttachmentStore(db, h.services.config.DATA_DIR, h.services.config.ATTACHMENT_MAX_BYTES);
    const evidence = [await store.save(PNG, 'photo', c.id), await store.save(PDF, 'file', c.id)].map((saved) => (saved.stored ? saved.id : ''));
    const office = await db.staff.create({ data: { username: 'wx-evidence', role: 'supervisor', departmentId: (await db.department.findUniqueOrThrow({ where: { code: 'DCS' } })).id, passwordHash: 'x' } });
    await caseActions(h.services).resolve(office, c.id, '路灯已修复，附照片和验收单。', evidence);

    const answer = await eventually(async () => received.get(resident.id)?.find((t) => t.includes('路灯已修复')));
    expect(answer).toContain('1. 满意');
    const files = await Promise.all(await eventually(async () => (sentFiles.get(resident.id)?.length === 2 ? sentFiles.get(resident.id) : undefined)));
    expect(files[0]!.type).toBe(types.Message.Image);
    expect(files[0]!.bytes.equals(PNG)).toBe(true);
    expect(files[1]!.bytes.equals(PDF)).toBe(true);
    expect(files[1]!.name).toMatch(/\.pdf$/);
  });

  it('sends a notification that failed half-way again without the photo that already went', async () => {
    const resident = mocker.createContact({ name: '钱女士' });
    await says(resident, '你好');
    const replies = [{ text: '井盖已更换，见照片。', files: [await evidencePhoto(h.services, PNG)] }];
    const deliver = h.runtime.channels.find((ch) => ch.name === 'wechat')!.deliver;
    // WeChat takes the photo, then fails on the text (to this resident only).
    const sendText = puppet.messageSendText.bind(puppet);
    puppet.messageSendText = (to, ...rest) => (to === resident.id ? Promise.reject(new Error('WeChat did not answer')) : sendText(to, ...rest));
    try {
      await expect(deliver(resident.id, replies, 'wx-half-way')).rejects.toThrow('WeChat did not answer');
    } finally {
      puppet.messageSendText = sendText;
    }
    await eventually(async () => (sentFiles.get(resident.id)?.length === 1 ? true : undefined));
    await deliver(resident.id, replies, 'wx-half-way');
    await eventually(async () => (received.get(resident.id)?.includes('井盖已更换，见照片。') ? true : undefined));
    await new Promise((r) => setTimeout(r, 300));
    expect(sentFiles.get(resident.id)).toHaveLength(1);
    expect(received.get(resident.id)!.filter((t) => t === '井盖已更换，见照片。')).toHaveLength(1);
  });

  it('carries a handoff both ways: the bot is silent, staff replies arrive in the chat', async () => {
    const resident = mocker.createContact({ name: '赵先生' });
    expect(await says(resident, '转人工')).toMatch(/转接人工服务|非工作时间/);
    const row = await h.services.db.resident.findFirstOrThrow({ where: { channel: 'wechat', externalId: resident.id } });
    const handoff = await h.services.db.handoff.findFirstOrThrow({ where: { residentId: row.id } });
    const office = await h.services.db.staff.create({ data: { username: 'wx-office', role: 'supervisor', passwordHash: 'x' } });
    await h.runtime.handoff.claim(handoff.id, office);
    await eventually(async () => ((received.get(resident.id) ?? []).some((t) => t.includes('工作人员已接入')) ? true : undefined));
    const before = received.get(resident.id)!.length;
    resident.say('我家门口的井盖丢了').to(account);
    await h.runtime.handoff.say(handoff.id, office, '收到，马上派人去看。');
    await eventually(async () => ((received.get(resident.id) ?? []).includes('收到，马上派人去看。') ? true : undefined));
    expect(received.get(resident.id)!.slice(before)).toEqual(['收到，马上派人去看。']);
  });
});
