import type { AppRedis } from '../../core/platform/redis.js';

/** A fixed-window counter in Redis, so that every process counts the same messages. */
export class RateLimiter {
  constructor(
    private readonly redis: AppRedis,
    private readonly prefix: string,
    private readonly limit: { messages: number; windowSeconds: number },
  ) {}

  /** Counts one message for `key`; false when the window's limit is exceeded. */
  async allow(key: string): Promise<boolean> {
    const redisKey = `${this.prefix}:rate:${key}`;
    const [count] = await this.redis.multi().incr(redisKey).expire(redisKey, this.limit.windowSeconds, 'NX').exec();
    return Number(count) <= this.limit.messages;
  }
}
