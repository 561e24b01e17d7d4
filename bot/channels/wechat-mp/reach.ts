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
 * again, and so does another turn. Should the turn's process die, it is shown after this.
 */
const SHOWING_MS = 300_000;

// Keeps a message once however often it is sent again (the reconciler's tries keep it kept).
const KEEP = `if redis.call('SADD', KEYS[2], ARGV[1]) == 1 then redis.call('RPUSH', KEYS[1], ARGV[2]) end
redis.call('EXPIRE', KEYS[1], ARGV[3]) redis.call('EXPIRE', KEYS[2], ARGV[3])`;
// Takes the kept messages no other turn is showing (ARGV[1]: now) and marks them as being shown
// until ARGV[2]; they stay kept until shown, so a process that dies meanwhile loses none. One kept
// by an older version (no key) is taken for good: it was marked delivered when it was kept.
const TAKE = `local out = {}
for _, item in ipairs(redis.call('LRANGE', KEYS[1], 0, -1)) do
  local key = cjson.decode(item)['key']
  if type(key) ~= 'string' then
    redis.call('LREM', KEYS[1], 1, item) table.insert(out, item)
  elseif tonumber(redis.call('HGET', KEYS[2], key) or '0') <= tonumber(ARGV[1]) then
    redis.call('HSET', KEYS[2], key, ARGV[2]) table.insert(out, item)
  end
end
if #out > 0 then redis.call('PEXPIRE', KEYS[2], ARGV[3]) end
return out`;
// Forgets the kept messages with these keys (ARGV), now shown; their marks stay until they lapse,
// so a reconciler's try that comes before they are marked delivered still leaves them.
const SHOWN = `for _, item in ipairs(redis.call('LRANGE', KEYS[1], 0, -1)) do
  local key = cjson.decode(item)['key']
  for _, shown in ipairs(ARGV) do if key == shown then redis.call('LREM', KEYS[1], 1, item) end end
end
redis.call('SREM', KEYS[2], unpack(ARGV))`;

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

  /** Whether a turn took this notification to show it within the last SHOWING_MS. */
  async beingShown(openId: string, key: string): Promise<boolean> {
    return Number(await this.redis.hGet(this.key('kept-showing', openId), key)) > this.now().getTime();
  }

  /** The kept notifications, to show with the resident's message; `shown` or `release` them after. */
  async takeKept(openId: string): Promise<Kept[]> {
    const now = this.now().getTime();
    const keys = [this.key('kept', openId), this.key('kept-showing', openId)];
    const items = (await this.redis.eval(TAKE, { keys, arguments: [String(now), String(now + SHOWING_MS), String(SHOWING_MS)] })) as string[];
    return items.map((item) => {
      const value: unknown = JSON.parse(item);
      // Kept by an older version: a reply of its own, marked delivered when it was kept.
      return keptSchema.safeParse(value).data ?? { key: '', replies: [replySchema.parse(value)] };
    });
  }

  /** These notifications went out: kept no more. */
  async shown(openId: string, deliveryKeys: string[]): Promise<void> {
    const keys = deliveryKeys.filter(Boolean);
    if (keys.length) await this.redis.eval(SHOWN, { keys: [this.key('kept', openId), this.key('kept-keys', openId)], arguments: keys });
  }

  /** A turn could not show these: the resident's next message may at once. */
  async release(openId: string, deliveryKeys: string[]): Promise<void> {
    const keys = deliveryKeys.filter(Boolean);
    if (keys.length) await this.redis.hDel(this.key('kept-showing', openId), keys);
  }
}
