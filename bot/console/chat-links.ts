import { randomInt } from 'node:crypto';
import type { Channel, Db } from '../platform/db.js';
import type { AppRedis } from '../platform/redis.js';

const CODE_SECONDS = 600;

/**
 * Links a member of staff's chat account (WeChat, Telegram, web chat) to their console account,
 * for staff commands in chat: the console hands out a one-time code, the staff member sends it to
 * the bot from the chat account. The code lives ten minutes and works once.
 */
export class ChatLinks {
  constructor(
    private readonly db: Db,
    private readonly redis: AppRedis,
    private readonly prefix: string,
  ) {}

  private key(code: string): string {
    return `${this.prefix}:staff-link:${code}`;
  }

  async issue(staffId: string): Promise<{ code: string; minutes: number }> {
    const code = String(randomInt(100_000, 1_000_000));
    await this.redis.set(this.key(code), staffId, { EX: CODE_SECONDS });
    return { code, minutes: CODE_SECONDS / 60 };
  }

  /** Redeems a code from a chat account; the staff member linked, or null for a wrong or used code. */
  async redeem(code: string, channel: Channel, userId: string): Promise<{ username: string; displayName: string | null } | null> {
    const staffId = await this.redis.getDel(this.key(code.trim()));
    if (!staffId) return null;
    // One chat account belongs to one member of staff: an earlier link of this account is moved.
    return this.db.$transaction(async (tx) => {
      await tx.staff.updateMany({ where: { chatChannel: channel, chatUserId: userId }, data: { chatChannel: null, chatUserId: null } });
      return tx.staff.update({ where: { id: staffId }, data: { chatChannel: channel, chatUserId: userId }, select: { username: true, displayName: true } });
    });
  }

  /** The active member of staff behind a chat account, if it is linked. */
  staffOf(channel: Channel, userId: string) {
    return this.db.staff.findFirst({ where: { chatChannel: channel, chatUserId: userId, disabled: false } });
  }
}
