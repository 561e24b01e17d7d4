import { z } from 'zod';
import { replySchema, type Reply } from '../../../core/messages.js';
import type { Clock } from '../../../core/platform/clock.js';
import type { AppRedis } from '../../../core/platform/redis.js';

/** The platform allows customer-service messages for 48 hours after the resident's last message. */
export const WINDOW_MS = 48 * 3600 * 1000;
const KEPT_SECONDS = 30 * 24 * 3600;
/**
 * How long a notification taken to be shown with the resident's message counts as being shown: a
 * reconciler's try meanwhile leaves it to that turn, which marks it delivered, instead of sending it
 * again. Should the turn fail to show it, the reconciler's tries after this keep it again.
 */
const TAKEN_SECONDS = 300;

// Keeps a message once however often it is sent again (the reconciler's tries keep it kept).
const KEEP = `if redis.call('SADD', KEYS[2], ARGV[1]) == 1 then redis.call('RPUSH', KEYS[1], ARGV[2]) end
redis.call('EXPIRE', KEYS[1], ARGV[3]) redis.call('EXPIRE', KEYS[2], ARGV[3])`;
// Takes the kept messages and forgets them in one step, so two turns never both show them; their
// keys are remembered as being shown for a while.
const TAKE = `local items = redis.call('LRANGE', KEYS[1], 0, -1)
if redis.call('EXISTS', KEYS[2]) == 1 then redis.call('SUNIONSTORE', KEYS[3], KEYS[3], KEYS[2]) redis.call('EXPIRE', KEYS[3], ARGV[1]) end
redis.call('DEL', KEYS[1], KEYS[2]) return items`;

/** A notification kept for the resident's next message: its delivery key (to mark it then) and its replies. */
export type Kept = { key: string; replies: Reply[] };
const keptSchema = z.object({ key: z.string(), replies: z.array(replySchema) });

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

  async keep(openId: string, kept: Kept): Promise<void> {
    await this.redis.eval(KEEP, { keys: [this.key('kept', openId), this.key('kept-keys', openId)], arguments: [kept.key, JSON.stringify(kept), String(KEPT_SECONDS)] });
  }

  /** Whether a turn took this notification to show it within the last TAKEN_SECONDS. */
  async beingShown(openId: string, key: string): Promise<boolean> {
    return (await this.redis.sIsMember(this.key('kept-taken', openId), key)) === 1;
  }

  async takeKept(openId: string): Promise<Kept[]> {
    const keys = [this.key('kept', openId), this.key('kept-keys', openId), this.key('kept-taken', openId)];
    const items = (await this.redis.eval(TAKE, { keys, arguments: [String(TAKEN_SECONDS)] })) as string[];
    return items.map((item) => {
      const value: unknown = JSON.parse(item);
      // Kept by an older version: a reply of its own, marked delivered when it was kept.
      return keptSchema.safeParse(value).data ?? { key: '', replies: [replySchema.parse(value)] };
    });
  }
}
