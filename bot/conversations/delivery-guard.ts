import type { AppRedis } from '../../core/platform/redis.js';
import type { RateCount } from './rate-limiter.js';

/**
 * The resident's lock, held, and what was read with it. `release` may also remember what a
 * delivery was answered (its seen key and the answer), in the same round trip.
 */
export type Held = { values: (string | null)[]; release: (remember?: { key: string; value: string }) => Promise<void> };

/** How long a delivery's answer is remembered for a repeat of it. */
const SEEN_SECONDS = 24 * 3600;

// The answer is remembered even if the lock ran out meanwhile; the lock is let go only if still ours.
const UNLOCK = `if KEYS[2] then redis.call('SET', KEYS[2], ARGV[2], 'EX', ARGV[3]) end
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) else return 0 end`;

/**
 * What every channel needs before a message reaches the dialogue, kept in Redis so that any
 * number of bot processes agree: a per-resident rate limit, one turn at a time per resident,
 * and recognition of a delivery seen before (its original replies are returned again).
 */
export class DeliveryGuard {
  constructor(
    private readonly redis: AppRedis,
    private readonly prefix: string,
    private readonly limit: { messages: number; windowSeconds: number },
  ) {}

  /**
   * Counts a message against the resident's window (and the `also` counts, such as the sender's
   * address), takes the resident's lock and reads `keys`, in one round trip (a MULTI): the reads
   * run after the lock is taken, so they see what the previous turn saved. Undefined when over a
   * limit or the lock could not be had in time.
   */
  async enter(channel: string, userId: string, keys: string[], opts: { count?: boolean; also?: RateCount[] } = {}): Promise<Held | undefined> {
    let counts = opts.count === false ? [] : [{ key: `${this.prefix}:rate:${channel}:${userId}`, ...this.limit }, ...(opts.also ?? [])];
    const lockKey = `${this.prefix}:lock:${channel}:${userId}`;
    const token = `${process.pid}:${Math.random().toString(36).slice(2)}`;
    const deadline = Date.now() + 10_000;
    for (;;) {
      const tx = this.redis.multi();
      for (const c of counts) tx.incr(c.key).expire(c.key, c.windowSeconds, 'NX');
      tx.set(lockKey, token, { NX: true, PX: 30_000 });
      for (const key of keys) tx.get(key);
      const replies = (await tx.exec()) as unknown[];
      const locked = replies[2 * counts.length];
      const release = (remember?: { key: string; value: string }) =>
        this.redis
          .eval(UNLOCK, remember ? { keys: [lockKey, remember.key], arguments: [token, remember.value, String(SEEN_SECONDS)] } : { keys: [lockKey], arguments: [token] })
          .then(() => undefined);
      if (counts.some((c, i) => Number(replies[2 * i]) > c.messages)) {
        if (locked) await release();
        return undefined;
      }
      // Only the first attempt counts against the limits: waiting for the lock is one message.
      counts = [];
      if (locked) return { values: replies.slice(replies.length - keys.length) as (string | null)[], release };
      if (Date.now() > deadline) return undefined;
      await new Promise((r) => setTimeout(r, 15));
    }
  }

  /**
   * Runs `fn` holding the resident's lock, with `keys` read as it was taken, without counting a
   * message; undefined when the lock could not be had in time.
   */
  async exclusive<T>(channel: string, userId: string, keys: string[], fn: (values: (string | null)[]) => Promise<T>): Promise<T | undefined> {
    const held = await this.enter(channel, userId, keys, { count: false });
    if (!held) return undefined;
    try {
      return await fn(held.values);
    } finally {
      await held.release();
    }
  }

  seenKey(channel: string, userId: string, messageId: string): string {
    return `${this.prefix}:seen:${channel}:${userId}:${messageId}`;
  }
}
