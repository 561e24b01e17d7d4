import { replySchema, type Reply } from '../../../core/messages.js';
import type { Clock } from '../../../core/platform/clock.js';
import type { AppRedis } from '../../../core/platform/redis.js';

/** The platform allows customer-service messages for 48 hours after the resident's last message. */
export const WINDOW_MS = 48 * 3600 * 1000;
const KEPT_SECONDS = 30 * 24 * 3600;

// Takes the kept messages and forgets them in one step, so two turns never both show them.
const TAKE = `local items = redis.call('LRANGE', KEYS[1], 0, -1) redis.call('DEL', KEYS[1]) return items`;

/**
 * How the office can reach a resident on the Official Account, in Redis so every process agrees:
 * when they last wrote (the 48-hour window, by Tingmin's clock), and the notifications that could
 * not be sent and wait for their next message.
 */
export class Reach {
  constructor(
    private readonly redis: AppRedis,
    private readonly prefix: string,
    private readonly now: Clock,
  ) {}

  private key(kind: string, openId: string): string {
    return `${this.prefix}:wechat-mp:${kind}:${openId}`;
  }

  async wrote(openId: string): Promise<void> {
    // Kept a little longer than the window; the clock, not the key's expiry, decides.
    await this.redis.set(this.key('last', openId), String(this.now().getTime()), { EX: WINDOW_MS / 1000 + 3600 });
  }

  async inWindow(openId: string): Promise<boolean> {
    const last = Number(await this.redis.get(this.key('last', openId)));
    return last > 0 && this.now().getTime() - last < WINDOW_MS;
  }

  async keep(openId: string, replies: Reply[]): Promise<void> {
    const key = this.key('kept', openId);
    await this.redis.multi().rPush(key, replies.map((r) => JSON.stringify(r))).expire(key, KEPT_SECONDS).exec();
  }

  async takeKept(openId: string): Promise<Reply[]> {
    const items = (await this.redis.eval(TAKE, { keys: [this.key('kept', openId)] })) as string[];
    return items.map((item) => replySchema.parse(JSON.parse(item)));
  }
}
