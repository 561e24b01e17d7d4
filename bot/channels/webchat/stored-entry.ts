import { deflateSync, inflateSync } from 'node:zlib';
import { en } from '../../../core/i18n/en.js';
import { zh } from '../../../core/i18n/zh.js';
import type { Lang } from '../../../core/i18n/index.js';
import type { Reply } from '../../../core/messages.js';

/**
 * How a mailbox entry is kept in Redis, which holds every live dialogue's mailbox (issue 12: 10,000
 * dialogues in 50 MB):
 * - JSON with one-letter field names, buttons as [label, payload] pairs;
 * - when shorter, that JSON deflated against a dictionary of the texts residents are sent, as
 *   "z" + base64: most of the bot's messages are those texts (a prompt of 300 bytes becomes some 50).
 *   A resident's own words do not shrink and stay JSON.
 * The dictionary is made from the i18n catalogs, so it changes when they do; zlib's header names
 * the dictionary an entry was made with, and one made with another is refused (`undefined`), which
 * the mailbox treats as lost: it refills itself from the message log.
 */

/**
 * One message on the page: the bot's (no `from`; `lang`, when known, is the language it is in, so
 * the page follows the dialogue's language), a member of staff's (`by`: their name or
 * department), or the resident's own (a tapped button has its `payload`, the page shows its label).
 */
export type MailboxEntry = Reply & { from?: 'resident' | 'staff'; by?: string; payload?: string; lang?: Lang };

const NAMES = { text: 't', buttons: 'b', files: 'f', from: 'o', by: 'y', payload: 'p', lang: 'l' } as const;
const LONG = new Map<string, string>(Object.entries(NAMES).map(([long, short]) => [short, long]));
const FROM = { resident: 'r', staff: 's' } as const;

// Staff-only texts never reach a mailbox; the most used go last (deflate reaches back 32 KB).
const STAFF_ONLY = /^(desk|staffError|page|figures|alert|rates|staffchat)\./;
const texts = (catalog: Record<string, string>) =>
  Object.entries(catalog)
    .filter(([key]) => !STAFF_ONLY.test(key))
    .map(([, text]) => text)
    .join('\n');
const DICTIONARY = Buffer.from(`${texts(en)}\n${texts(zh)}\n"],["返回","back"],["取消","cancel"],["转人工","menu:human"]],"l":"zh"}`);

// The bot's entries packed lately, by their JSON (a Map keeps insertion order: the oldest goes first).
const PACKED = new Map<string, string>();
const PACKED_MAX = 2_000;

export function stored(entry: MailboxEntry): string {
  const short: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(entry)) {
    if (value === undefined) continue;
    short[NAMES[name as keyof typeof NAMES] ?? name] =
      name === 'buttons' ? entry.buttons!.map((b) => [b.label, b.payload]) : name === 'from' ? FROM[entry.from!] : value;
  }
  const json = JSON.stringify(short);
  // Base64 makes 4 characters of 3 bytes: only a deflated entry well under the JSON pays.
  if (json.length < 64) return json;
  // The bot sends the same prompts to everyone, and deflating against the dictionary costs more
  // than the rest of storing: those are packed once. A resident's own words are not kept.
  const known = entry.from ? undefined : PACKED.get(json);
  if (known !== undefined) return known;
  const deflated = `z${deflateSync(json, { dictionary: DICTIONARY }).toString('base64')}`;
  const packed = deflated.length < Buffer.byteLength(json) ? deflated : json;
  if (!entry.from) {
    if (PACKED.size >= PACKED_MAX) PACKED.delete(PACKED.keys().next().value!);
    PACKED.set(json, packed);
  }
  return packed;
}

/** The entry, or undefined when it was deflated against another dictionary (another version's texts). */
export function fromStored(raw: string): MailboxEntry | undefined {
  let json = raw;
  if (raw.startsWith('z')) {
    try {
      json = inflateSync(Buffer.from(raw.slice(1), 'base64'), { dictionary: DICTIONARY }).toString();
    } catch {
      return undefined;
    }
  }
  const entry: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(JSON.parse(json) as Record<string, unknown>)) {
    // Long names too: entries written before names were shortened.
    const long = LONG.get(name) ?? name;
    entry[long] =
      long === 'buttons' && Array.isArray(value) && Array.isArray(value[0])
        ? (value as [string, string][]).map(([label, payload]) => ({ label, payload }))
        : long === 'from'
          ? value === 'r' ? 'resident' : value === 's' ? 'staff' : value
          : value;
  }
  return entry as MailboxEntry;
}
