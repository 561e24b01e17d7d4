import type { AppRedis } from '../../core/platform/redis.js';

/** A counter to take in someone else's round trip (DeliveryGuard.enter): its Redis key, limit and window. */
export type RateCount = { key: string; messages: number; windowSeconds: number };

/** A fixed-window counter in Redis, so that every process counts the same messages. */
export class RateLimiter {
  constructor(
    private readonly redis: AppRedis,
    private readonly prefix: string,
    private readonly limit: { messages: number; windowSeconds: number },
  ) {}

  /** Counts one message for `key`; false when the window's limit is exceeded. */
  async allow(key: string): Promise<boolean> {
    const { key: redisKey, messages, windowSeconds } = this.count(key);
    const [count] = await this.redis.multi().incr(redisKey).expire(redisKey, windowSeconds, 'NX').exec();
    return Number(count) <= messages;
  }

  /** The same count, for a caller that adds it to a round trip of its own. */
  count(key: string): RateCount {
    return { key: `${this.prefix}:rate:${key}`, ...this.limit };
  }
}
