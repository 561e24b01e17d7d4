import { deliveryKey, keyOfLogId } from '../../../core/deliveries.js';
import type { Reply } from '../../../core/messages.js';
import type { Db } from '../../../core/platform/db.js';
import type { AppRedis } from '../../../core/platform/redis.js';
import { fromStored, stored, type MailboxEntry } from './stored-entry.js';

export type { MailboxEntry };

export type MailboxMessage = MailboxEntry & { id: string; at: string };

const STAFF_AUTHOR = /^staff:([0-9a-f-]{36})$/;

const KEEP = 500;
const KEEP_SECONDS = 30 * 24 * 3600;

// The list's first entry, always there: a list that exists is complete (nothing missing that the
// log has), so no key of its own says so. Read as the id "0-0", before every other.
const HEAD = '0-0';

// Each entry is "<id>[/<delivery key>] <message>". An id is "<ms>-<seq>", as a Redis stream's: the
// millisecond it was added (the server's clock) and a sequence, always above the last entry's, so
// a page's cursor still means "after this". A list, not a stream: a stream preallocates about 4 KB
// per key, more than a whole dialogue's messages take. The first message of a delivery carries its
// key, so a retried job is recognised without a key of its own per delivery.
const NEXT_ID = `
local function nextId(key)
  local t = redis.call('TIME')
  local ms = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
  local seq = 0
  local last = redis.call('LINDEX', key, -1)
  if last then
    local lms, lseq = string.match(last, '^(%d+)-(%d+)')
    lms = tonumber(lms)
    if ms <= lms then ms = lms; seq = tonumber(lseq) + 1 end
  end
  return string.format('%.0f-%d', ms, seq)
end`;

// Appends unless this delivery key was appended before, atomically: a retried job never shows twice.
// Refuses (returns false) when the mailbox is not there: new residents have one, so Redis lost it.
const APPEND_ONCE = `${NEXT_ID}
if redis.call('EXISTS', KEYS[1]) == 0 then return false end
local tag = ''
if ARGV[1] ~= '' then
  for _, entry in ipairs(redis.call('LRANGE', KEYS[1], 0, -1)) do
    if string.match(entry, '^[^ /]*/([^ ]*) ') == ARGV[1] then return {} end
  end
  tag = '/' .. ARGV[1]
end
local ids = {}
for i = 3, #ARGV do
  local id = nextId(KEYS[1])
  redis.call('RPUSH', KEYS[1], id .. tag .. ' ' .. ARGV[i])
  tag = ''
  ids[#ids + 1] = id
end
if redis.call('LLEN', KEYS[1]) > ${KEEP + 1} then
  redis.call('LTRIM', KEYS[1], -${KEEP}, -1)
  redis.call('LPUSH', KEYS[1], '${HEAD}')
end
redis.call('EXPIRE', KEYS[1], ARGV[2])
return ids`;

// Up to ARGV[2] entries after the id ARGV[1] (from the first without it), searched from the end:
// a page asks for the few newest. False when the mailbox is not there.
const READ = `
local limit = tonumber(ARGV[2])
local first = 0
if redis.call('LINDEX', KEYS[1], 0) == '${HEAD}' then first = 1 elseif redis.call('EXISTS', KEYS[1]) == 0 then return false end
if ARGV[1] == '' then return redis.call('LRANGE', KEYS[1], first, first + limit - 1) end
local ms, seq = string.match(ARGV[1], '^(%d+)-(%d+)$')
ms = tonumber(ms)
seq = tonumber(seq)
local start = first
first = redis.call('LLEN', KEYS[1])
local i = first - 1
while i >= start do
  local lo = math.max(start, i - 9)
  local chunk = redis.call('LRANGE', KEYS[1], lo, i)
  for j = #chunk, 1, -1 do
    local ems, eseq = string.match(chunk[j], '^(%d+)-(%d+)')
    ems = tonumber(ems)
    if ems < ms or (ems == ms and tonumber(eseq) <= seq) then return redis.call('LRANGE', KEYS[1], first, first + limit - 1) end
    first = lo + j - 1
  end
  i = lo - 1
end
return redis.call('LRANGE', KEYS[1], first, first + limit - 1)`;

// Refills a mailbox from the message log unless another process just did (ARGV[1] = 1: replaces
// it, its entries were unreadable): ARGV[2] = ttl, then entries.
const REBUILD = `
if ARGV[1] == '0' and redis.call('EXISTS', KEYS[1]) == 1 then return 0 end
redis.call('DEL', KEYS[1])
redis.call('RPUSH', KEYS[1], '${HEAD}')
for i = 3, #ARGV do redis.call('RPUSH', KEYS[1], ARGV[i]) end
redis.call('EXPIRE', KEYS[1], ARGV[2])
return 1`;

/**
 * What the web chat shows a resident: a Redis list per resident holding everything the bot
 * and staff sent. The page reads it with a cursor (the entry's id), so asynchronous notifications
 * reach a page that polls. The list is a cache of the message log in PostgreSQL: when Redis has
 * lost it (a restart without persistence), it is refilled from the log before use, with ids from
 * the messages' times, so a page's cursor from before still means "after this".
 */
export class Mailbox {
  constructor(
    private readonly redis: AppRedis,
    private readonly db: Db,
    private readonly prefix: string,
  ) {}

  private key(userId: string): string {
    // Named apart from the streams earlier versions kept (a list under a stream's key would be
    // refused); those expire on their own.
    return `${this.prefix}:webchat:mailbox-list:${userId}`;
  }

  /** A new resident's mailbox: empty, and complete as it is (nothing to refill from the log). */
  async opened(userId: string): Promise<void> {
    await this.redis.eval(REBUILD, { keys: [this.key(userId)], arguments: ['1', String(KEEP_SECONDS)] });
  }

  /** Appends replies; with a delivery key, only the first append of that key happens. */
  async append(userId: string, replies: MailboxEntry[], deliveryKey = ''): Promise<MailboxMessage[]> {
    if (replies.length === 0) return [];
    const run = () =>
      this.redis.eval(APPEND_ONCE, {
        keys: [this.key(userId)],
        arguments: [deliveryKey, String(KEEP_SECONDS), ...replies.map(stored)],
      }) as Promise<string[] | null>;
    let ids = await run();
    if (ids === null) {
      // A turn's replies are already in the log (it is written first): the refill leaves them out.
      // A delivery is logged once delivered, so the refill cannot contain it.
      await this.rebuild(userId, deliveryKey ? [] : replies, false);
      ids = (await run()) ?? [];
    }
    return ids.map((id, i) => ({ id, at: atOf(id), ...replies[i]! }));
  }

  /** A queued message (a notification, a staff member's words) as the channel delivers it; a staff message says who wrote it. */
  async deliver(userId: string, replies: Reply[], key: string): Promise<void> {
    const staff = key.startsWith(deliveryKey.staffMessage(''));
    const author = staff ? (await this.db.delivery.findUnique({ where: { key }, select: { author: true } }))?.author : null;
    const by = author ? (await this.staffNames([author])).get(author) : undefined;
    await this.append(userId, staff ? replies.map((r) => ({ ...r, from: 'staff' as const, ...(by && { by }) })) : replies, key);
  }

  /** How residents see each member of staff: their name, else their department's. */
  private async staffNames(authors: string[]): Promise<Map<string, string>> {
    const ids = [...new Set(authors.flatMap((a) => STAFF_AUTHOR.exec(a)?.[1] ?? []))];
    if (!ids.length) return new Map();
    const staff = await this.db.staff.findMany({ where: { id: { in: ids } }, select: { id: true, displayName: true, department: { select: { name: true } } } });
    return new Map(staff.flatMap((s) => { const name = s.displayName ?? s.department?.name; return name ? [[`staff:${s.id}`, name] as const] : []; }));
  }

  /** Messages after the cursor (all kept ones without it) and the cursor to use next. */
  async read(userId: string, after: string | undefined, limit = 100): Promise<{ messages: MailboxMessage[]; cursor: string }> {
    const entries = async () => (await this.redis.eval(READ, { keys: [this.key(userId)], arguments: [after ?? '', String(limit)] })) as string[] | null;
    let found = await entries();
    let messages = found && messagesOf(found);
    if (!messages) {
      // Lost, or written with another version's texts (unreadable): refilled from the log.
      await this.rebuild(userId, [], found !== null);
      found = await entries();
      messages = messagesOf(found ?? []) ?? [];
    }
    return { messages, cursor: messages.at(-1)?.id ?? after ?? '0-0' };
  }

  /**
   * The entries of these ids, in order (a repeated message's answer, remembered by its ids only);
   * undefined when the mailbox no longer holds them all.
   */
  async entries(userId: string, ids: string[]): Promise<MailboxMessage[] | undefined> {
    const [ms = '0', seq = '0'] = (ids[0] ?? '0-0').split('-');
    // The cursor just before the first id: READ answers what comes after it.
    const before = Number(seq) > 0 ? `${ms}-${Number(seq) - 1}` : `${Number(ms) - 1}-999999999999999`;
    const found = (await this.redis.eval(READ, { keys: [this.key(userId)], arguments: [before, String(ids.length)] })) as string[] | null;
    const messages = found && messagesOf(found);
    return messages && messages.length === ids.length && messages.every((m, i) => m.id === ids[i]) ? messages : undefined;
  }

  private async rebuild(userId: string, pending: MailboxEntry[], replace: boolean): Promise<void> {
    // A turn's rows share their time: the resident's message comes before the answers.
    const rows = (
      await this.db.message.findMany({
        where: { conversation: { resident: { channel: 'webchat', externalId: userId } } },
        orderBy: [{ at: 'desc' }, { direction: 'desc' }, { id: 'desc' }],
        take: KEEP,
        select: { direction: true, text: true, payload: true, buttons: true, files: true, author: true, at: true, externalId: true },
      })
    ).reverse();
    const names = await this.staffNames(rows.flatMap((r) => r.author ?? []));
    const tail = rows.slice(rows.length - pending.length);
    if (pending.length && tail.every((row, i) => row.text === pending[i]!.text)) rows.splice(rows.length - pending.length);
    const entries: string[] = [];
    let last = { ms: -1, seq: 0 };
    let lastKey: string | undefined;
    for (const row of rows) {
      const ms = Math.max(row.at.getTime(), last.ms);
      last = { ms, seq: ms === last.ms ? last.seq + 1 : 0 };
      // A delivery's first message carries its key (its log ids are "<key>#<n>").
      const key = row.direction === 'outbound' ? keyOfLogId(row.externalId) : undefined;
      entries.push(`${last.ms}-${last.seq}${key && key !== lastKey ? `/${key}` : ''} ${stored(entryOf(row, names))}`);
      lastKey = key;
    }
    await this.redis.eval(REBUILD, { keys: [this.key(userId)], arguments: [replace ? '1' : '0', String(KEEP_SECONDS), ...entries] });
  }
}

/** Entries as the page gets them; undefined when one cannot be read. */
function messagesOf(entries: string[]): MailboxMessage[] | undefined {
  const messages: MailboxMessage[] = [];
  for (const e of entries) {
    const space = e.indexOf(' ');
    const id = e.slice(0, space).split('/')[0]!;
    const entry = fromStored(e.slice(space + 1));
    if (!entry) return undefined;
    messages.push({ id, at: atOf(id), ...entry });
  }
  return messages;
}

/** A logged message as the page shows it. */
function entryOf(
  row: { direction: 'inbound' | 'outbound'; text: string; payload: string | null; buttons: unknown; files: unknown; author: string | null },
  names: Map<string, string>,
): MailboxEntry {
  if (row.direction === 'inbound') return { from: 'resident', text: row.text, ...(row.payload && { payload: row.payload }) };
  const reply: MailboxEntry = { text: row.text, ...(row.buttons ? { buttons: row.buttons as Reply['buttons'] } : {}), ...(row.files ? { files: row.files as Reply['files'] } : {}) };
  const by = row.author ? names.get(row.author) : undefined;
  return row.author ? { ...reply, from: 'staff', ...(by && { by }) } : reply;
}

// An entry's id starts with the millisecond it was added.
function atOf(id: string): string {
  return new Date(Number(id.split('-')[0])).toISOString();
}
