import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { PuppetMock, mock } from 'wechaty-puppet-mock';
import { describe, expect, it, vi } from 'vitest';
import { createWechatChannel } from '../bot/channels/wechat/channel.js';
import type { AttachmentStore } from '../bot/conversations/attachments.js';
import type { Bot } from '../bot/dialogue/bot.js';
import { createLogger, maskPhones } from '../core/platform/log.js';

describe('logs never hold a phone number or a name in clear', () => {
  it('masks phone numbers in free text', () => {
    expect(maskPhones('请打 13912345678 或 +86 139-1234-5678')).toBe('请打 139****5678 或 139****5678');
    expect(maskPhones('身份证 630102199001011234 不是电话')).toBe('身份证 630102199001011234 不是电话');
    expect(maskPhones('座机 0971-8123456')).toBe('座机 0971-***3456');
  });

  it('masks them however they are written: full-width digits, 0086 / +86, dots, dashes and spaces', () => {
    for (const written of ['139.1234.5678', '139-1234-5678', '139 1234 5678', '+8613912345678', '+86 139 1234 5678', '008613912345678', '0086-139-1234-5678', '86 13912345678', '１３９１２３４５６７８', '＋８６ １３９ １２３４ ５６７８']) {
      const masked = maskPhones(`电话 ${written} 谢谢`);
      expect(masked, written).not.toMatch(/1234|１２３４/);
      expect(masked, written).toMatch(/^电话 (139|１３９)\*{4}(5678|５６７８) 谢谢$/);
    }
    expect(maskPhones('座机 ０９７１－８１２３４５６')).toBe('座机 ０９７１－***３４５６');
    expect(maskPhones('订单 2026.11.30 共 3 件')).toBe('订单 2026.11.30 共 3 件');
  });

  it('masks them in messages and fields, and hides phone and name fields', () => {
    const lines: string[] = [];
    const sink = new Writable({ write: (chunk, _enc, done) => (lines.push(String(chunk)), done()) });
    const log = createLogger('info', sink);
    log.info({ phone: '13912345678', name: '王小明', nested: { note: '回电 13800138000' } }, 'resident 13712345678 wrote');
    const out = lines.join('');
    expect(out).not.toMatch(/13912345678|13800138000|13712345678|王小明/);
    expect(out).toContain('137****5678');
    expect(out).toContain('138****8000');
  });

  it('masks them in errors, whose messages quote failed queries', () => {
    const lines: string[] = [];
    const sink = new Writable({ write: (chunk, _enc, done) => (lines.push(String(chunk)), done()) });
    createLogger('info', sink).error({ err: new Error('Invalid `prisma.submission.create()` invocation: { phone: "13912345678" }') }, 'failed');
    const out = lines.join('');
    expect(out).toContain('prisma.submission.create');
    expect(out).not.toContain('13912345678');
  });

  it('keeps the WeChat login QR payload out of the info log, in the file under DATA_DIR', async () => {
    const lines: string[] = [];
    const sink = new Writable({ write: (chunk, _enc, done) => (lines.push(String(chunk)), done()) });
    const dataDir = await mkdtemp(join(tmpdir(), 'tingmin-qr-'));
    const mocker = new mock.Mocker();
    const wechaty = createWechatChannel(
      { puppet: new PuppetMock({ mocker }), acceptFriends: false, dataDir },
      { bot: {} as Bot, log: createLogger('info', sink), attachments: {} as AttachmentStore },
    );
    try {
      await wechaty.start();
      mocker.scan('https://login.example.test/qr-secret', 2);
      const file = join(dataDir, 'wechat-login-qrcode.txt');
      await vi.waitFor(async () => expect(await readFile(file, 'utf8')).toContain('qr-secret'));
      const out = lines.join('');
      expect(out).toContain('scan the login QR code');
      expect(out).not.toContain('qr-secret');
    } finally {
      await wechaty.stop();
      await rm(dataDir, { recursive: true, force: true });
    }
  });
});
