import { createHash, randomInt } from 'node:crypto';
import type { Channel, Db } from '../../core/platform/db.js';
import type { AppRedis } from '../../core/platform/redis.js';
import type { Clock } from '../../core/platform/clock.js';

const CODE_SECONDS = 600;
/** How long a redeemed code waits for the staff member's confirmation in the console. */
const PENDING_SECONDS = 1800;
/** Wrong codes before a code is cancelled, and before a chat account may not try for a while. */
const MAX_FAILURES = 5;
const SENDER_BLOCK_SECONDS = 900;
// RFC 4648 base32: one case, and no 0, 1 or 8 to mistake for O, I or B. The first characters name the
// code (so failures can be counted against it), the other 26 (130 bits) are its secret.
const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
const SELECTOR_CHARS = 6;
const SECRET_CHARS = 26;
const CODE = new RegExp(`^[${ALPHABET}]{${SELECTOR_CHARS + SECRET_CHARS}}$`);

// One redemption, atomically: a blocked sender is refused; a right secret takes the code; a
// wrong one counts against the sender and against the code, which is cancelled at the limit.
const REDEEM = `
if tonumber(redis.call('GET', KEYS[2]) or '0') >= tonumber(ARGV[2]) then return {'blocked'} end
local stored = redis.call('HMGET', KEYS[1], 'staff', 'secret')
if stored[1] and stored[2] == ARGV[1] then
  redis.call('DEL', KEYS[1])
  return {'pending', stored[1]}
end
if redis.call('INCR', KEYS[2]) == 1 then redis.call('EXPIRE', KEYS[2], ARGV[3]) end
if stored[1] and redis.call('HINCRBY', KEYS[1], 'failures', 1) >= tonumber(ARGV[2]) then redis.call('DEL', KEYS[1]) end
return {'wrong'}`;

const TAKE_IF_SAME = `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end return 0`;

export type ChatAccount = { channel: Channel; userId: string };
export type PendingLink = ChatAccount & { at: string };

const digest = (secret: string) => createHash('sha256').update(secret).digest('hex');

/**
 * Links a member of staff's chat account (WeChat, Telegram, web chat) to their console account,
 * for staff commands in chat. The console hands out a one-time code; sending it to the bot from
 * a chat account makes a pending link, which the staff member confirms in the console. Only a
 * confirmed link lets staff commands through, so a code seen or guessed by someone else links
 * nothing by itself.
 */
export class ChatLinks {
  constructor(
    private readonly db: Db,
    private readonly redis: AppRedis,
    private readonly prefix: string,
    private readonly now: Clock,
  ) {}

  private key(kind: 'code' | 'code-of' | 'pending' | 'sender', id: string): string {
    return `${this.prefix}:staff-link:${kind}:${id}`;
  }

  /** A new code for the staff member; their earlier code and unconfirmed link are dropped. */
  async issue(staffId: string): Promise<{ code: string; minutes: number }> {
    const code = Array.from({ length: SELECTOR_CHARS + SECRET_CHARS }, () => ALPHABET[randomInt(ALPHABET.length)]).join('');
    const selector = code.slice(0, SELECTOR_CHARS);
    const codeKey = this.key('code', selector);
    // A selector already in use (a one in a billion chance) is drawn again.
    if (await this.redis.exists(codeKey)) return this.issue(staffId);
    const previous = await this.redis.get(this.key('code-of', staffId));
    await this.redis
      .multi()
      .del([this.key('pending', staffId), ...(previous ? [this.key('code', previous)] : [])])
      .hSet(codeKey, { staff: staffId, secret: digest(code.slice(SELECTOR_CHARS)), failures: 0 })
      .expire(codeKey, CODE_SECONDS)
      .set(this.key('code-of', staffId), selector, { EX: CODE_SECONDS })
      .exec();
    return { code, minutes: CODE_SECONDS / 60 };
  }

  /**
   * A code sent from a chat account: "pending" when it was right (the staff member must now
   * confirm in the console), "wrong", or "blocked" after too many wrong codes from this account.
   */
  async redeem(typed: string, account: ChatAccount): Promise<'pending' | 'wrong' | 'blocked'> {
    const code = typed.toUpperCase().replace(/[\s-]/g, '');
    const valid = CODE.test(code);
    const [outcome, staffId] = (await this.redis.eval(REDEEM, {
      keys: [this.key('code', valid ? code.slice(0, SELECTOR_CHARS) : ''), this.key('sender', `${account.channel}:${account.userId}`)],
      arguments: [valid ? digest(code.slice(SELECTOR_CHARS)) : '', String(MAX_FAILURES), String(SENDER_BLOCK_SECONDS)],
    })) as ['pending', string] | ['wrong' | 'blocked', undefined];
    if (outcome !== 'pending') return outcome;
    const pending: PendingLink = { ...account, at: this.now().toISOString() };
    await this.redis.set(this.key('pending', staffId), JSON.stringify(pending), { EX: PENDING_SECONDS });
    return outcome;
  }

  /** The staff member's linked chat account and the one waiting for confirmation, for the console. */
  async state(staffId: string): Promise<{ linked: ChatAccount | null; pending: PendingLink | null }> {
    const [staff, pending] = await Promise.all([
      this.db.staff.findUniqueOrThrow({ where: { id: staffId }, select: { chatChannel: true, chatUserId: true } }),
      this.redis.get(this.key('pending', staffId)),
    ]);
    return {
      linked: staff.chatChannel && staff.chatUserId ? { channel: staff.chatChannel, userId: staff.chatUserId } : null,
      pending: pending ? (JSON.parse(pending) as PendingLink) : null,
    };
  }

  /** Links the pending chat account the staff member saw; false when it is not (or no longer) the pending one. */
  async confirm(staffId: string, seen: ChatAccount): Promise<boolean> {
    const key = this.key('pending', staffId);
    const raw = await this.redis.get(key);
    if (raw === null) return false;
    const pending = JSON.parse(raw) as PendingLink;
    if (pending.channel !== seen.channel || pending.userId !== seen.userId) return false;
    // Taken only if it is still the one just read (not replaced by a newer code's meanwhile).
    if (!(await this.redis.eval(TAKE_IF_SAME, { keys: [key], arguments: [raw] }))) return false;
    // One chat account belongs to one member of staff: an earlier link of this account is moved.
    await this.db.$transaction(async (tx) => {
      await tx.staff.updateMany({ where: { chatChannel: pending.channel, chatUserId: pending.userId }, data: { chatChannel: null, chatUserId: null } });
      await tx.staff.update({ where: { id: staffId }, data: { chatChannel: pending.channel, chatUserId: pending.userId } });
    });
    return true;
  }

  /** The active member of staff behind a chat account, if it is linked. */
  staffOf(channel: Channel, userId: string) {
    return this.db.staff.findFirst({ where: { chatChannel: channel, chatUserId: userId, disabled: false } });
  }
}
