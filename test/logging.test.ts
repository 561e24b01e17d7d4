import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createLogger, maskPhones } from '../bot/platform/log.js';

describe('logs never hold a phone number or a name in clear', () => {
  it('masks phone numbers in free text', () => {
    expect(maskPhones('请打 13912345678 或 +86 139-1234-5678')).toBe('请打 139****5678 或 139****5678');
    expect(maskPhones('身份证 630102199001011234 不是电话')).toBe('身份证 630102199001011234 不是电话');
    expect(maskPhones('座机 0971-8123456')).toBe('座机 0971-***3456');
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
});
