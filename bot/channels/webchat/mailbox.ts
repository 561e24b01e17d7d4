import type { Reply } from '../../dialogue/messages.js';
import type { AppRedis } from '../../platform/redis.js';

export type MailboxMessage = Reply & { id: string; at: string };

const KEEP = 500;
const KEEP_SECONDS = 30 * 24 * 3600;

// Appends unless this delivery key was appended before, atomically: a retried job never shows twice.
const APPEND_ONCE = `
if ARGV[1] ~= '' and redis.call('SET', KEYS[2], '1', 'NX', 'EX', ARGV[2]) == false then return {} end
local ids = {}
for i = 3, #ARGV do
  ids[#ids + 1] = redis.call('XADD', KEYS[1], 'MAXLEN', '~', '${KEEP}', '*', 'm', ARGV[i])
end
redis.call('EXPIRE', KEYS[1], ARGV[2])
return ids`;

/**
 * What the web chat shows a resident: a Redis stream per resident holding everything the bot
 * and staff sent. The page reads it with a cursor (the stream id), so asynchronous notifications
 * reach a page that polls. The durable record is the message log in PostgreSQL.
 */
export class Mailbox {
  constructor(
    private readonly redis: AppRedis,
    private readonly prefix: string,
  ) {}

  private key(userId: string): string {
    return `${this.prefix}:webchat:mailbox:${userId}`;
  }

  /** Appends replies; with a delivery key, only the first append of that key happens. */
  async append(userId: string, replies: Reply[], deliveryKey = ''): Promise<MailboxMessage[]> {
    if (replies.length === 0) return [];
    const ids = (await this.redis.eval(APPEND_ONCE, {
      keys: [this.key(userId), `${this.prefix}:webchat:delivered:${deliveryKey}`],
      arguments: [deliveryKey, String(KEEP_SECONDS), ...replies.map((r) => JSON.stringify(r))],
    })) as string[];
    return ids.map((id, i) => ({ id, at: atOf(id), ...replies[i]! }));
  }

  /** Messages after the cursor (all kept ones without it) and the cursor to use next. */
  async read(userId: string, after: string | undefined, limit = 100): Promise<{ messages: MailboxMessage[]; cursor: string }> {
    const entries = await this.redis.xRange(this.key(userId), after ? `(${after}` : '-', '+', { COUNT: limit });
    const messages = (entries ?? []).map((e) => ({ id: e.id, at: atOf(e.id), ...(JSON.parse(e.message.m!) as Reply) }));
    return { messages, cursor: messages.at(-1)?.id ?? after ?? '0-0' };
  }
}

// A stream id starts with the millisecond it was added.
function atOf(id: string): string {
  return new Date(Number(id.split('-')[0])).toISOString();
}
