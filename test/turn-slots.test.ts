import { rm } from 'node:fs/promises';
import { afterAll, describe, expect, it } from 'vitest';
import { TurnSlots } from '../bot/conversations/turn-slots.js';
import { FakeTelegram, telegramResidents, telegramSettings } from './support/fake-telegram.js';
import { eventually, startHarness, type Harness } from './support/harness.js';

describe('TurnSlots', () => {
  it('runs at most its size at once, starts the waiting ones in arrival order, and frees a slot when a turn fails', async () => {
    const slots = new TurnSlots(2);
    let running = 0;
    let most = 0;
    const started: number[] = [];
    const finish = new Map<number, () => void>();
    const turn = (n: number, fail = false) =>
      slots.run(async () => {
        started.push(n);
        most = Math.max(most, ++running);
        await new Promise<void>((resolve) => finish.set(n, resolve));
        running--;
        if (fail) throw new Error(`turn ${n} failed`);
        return n;
      });
    const results = [turn(1, true), turn(2), turn(3), turn(4), turn(5)].map((p) => p.catch((err: Error) => err.message));
    await new Promise((r) => setImmediate(r));
    expect(started).toEqual([1, 2]);
    finish.get(1)!();
    await new Promise((r) => setImmediate(r));
    expect(started).toEqual([1, 2, 3]);
    for (const n of [3, 2, 4, 5]) {
      await new Promise((r) => setImmediate(r));
      finish.get(n)!();
    }
    expect(await Promise.all(results)).toEqual(['turn 1 failed', 2, 3, 4, 5]);
    expect(started).toEqual([1, 2, 3, 4, 5]);
    expect(most).toBe(2);
  });
});

describe('BOT_TURNS_AT_ONCE', () => {
  const SECRET = 'slots-webhook-secret-0123456789abcdef';
  const api = new FakeTelegram();
  let h: Harness | undefined;
  afterAll(async () => {
    await h?.close();
    await api.stop();
    if (h) await rm(h.services.config.DATA_DIR, { recursive: true, force: true });
  });

  it('lets a bot process answer that many residents at once while Telegram is slow; the others wait their turn and are answered', async () => {
    const settings = await telegramSettings(api, SECRET);
    h = await startHarness({ env: { ...settings, BOT_TURNS_AT_ONCE: '2' } });
    const { text } = telegramResidents(() => h!.app, SECRET);
    // Each answer takes Telegram 150 ms; a turn holds its slot until its answer is sent.
    api.sendMs = 150;
    const chats = [9101, 9102, 9103, 9104, 9105, 9106];
    const answered = await Promise.all(chats.map((chat) => text(chat, '你好')));
    expect(answered.map((res) => res.statusCode)).toEqual(chats.map(() => 200));
    await eventually(async () => (chats.every((chat) => api.sent(chat).length > 0) ? true : undefined));
    expect(api.mostSendsAtOnce).toBe(2);
  });
});
