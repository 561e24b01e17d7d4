import { describe, expect, it } from 'vitest';
import { TurnSlots } from '../bot/conversations/turn-slots.js';

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
