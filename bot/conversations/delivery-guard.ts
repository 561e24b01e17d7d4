import type { AppRedis } from '../../core/platform/redis.js';
import { RateLimiter } from './rate-limiter.js';

const UNLOCK = `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) else return 0 end`;

/**
 * What every channel needs before a message reaches the dialogue, kept in Redis so that any
 * number of bot processes agree: a per-resident rate limit, one turn at a time per resident,
 * and recognition of a delivery seen before (its original replies are returned again).
 */
export class DeliveryGuard {
  private readonly limiter: RateLimiter;

  constructor(
    private readonly redis: AppRedis,
    private readonly prefix: string,
    limit: { messages: number; windowSeconds: number },
  ) {
    this.limiter = new RateLimiter(redis, prefix, limit);
  }

  /** Counts a message against the resident's window; false when over the limit. */
  allow(channel: string, userId: string): Promise<boolean> {
    return this.limiter.allow(`${channel}:${userId}`);
  }

  /** Runs `fn` holding the resident's lock; undefined when the lock could not be had in time. */
  async exclusive<T>(channel: string, userId: string, fn: () => Promise<T>): Promise<T | undefined> {
    const key = `${this.prefix}:lock:${channel}:${userId}`;
    const token = `${process.pid}:${Math.random().toString(36).slice(2)}`;
    const deadline = Date.now() + 10_000;
    while (!(await this.redis.set(key, token, { NX: true, PX: 30_000 }))) {
      if (Date.now() > deadline) return undefined;
      await new Promise((r) => setTimeout(r, 15));
    }
    try {
      return await fn();
    } finally {
      await this.redis.eval(UNLOCK, { keys: [key], arguments: [token] });
    }
  }

  private seenKey(channel: string, userId: string, messageId: string): string {
    return `${this.prefix}:seen:${channel}:${userId}:${messageId}`;
  }

  async previousResult<T>(channel: string, userId: string, messageId: string): Promise<T | undefined> {
    const raw = await this.redis.get(this.seenKey(channel, userId, messageId));
    return raw ? (JSON.parse(raw) as T) : undefined;
  }

  async rememberResult(channel: string, userId: string, messageId: string, result: unknown): Promise<void> {
    await this.redis.set(this.seenKey(channel, userId, messageId), JSON.stringify(result), { EX: 24 * 3600 });
  }
}
