import { pino, type Logger } from 'pino';

export type { Logger };

// Digits as residents type them, ASCII or full-width; separators between digit groups likewise.
const D = '[0-9０-９]';
const SEP = '[-. \\u00a0\\u3000－．]?';
// Mainland mobiles as they appear in free text (+86 / 0086 / 86 first, groups split by -, . or spaces); the middle digits are hidden.
const PHONE = new RegExp(`(?<!${D})(?:(?:[+＋]|00|００)?[8８][6６]${SEP})?([1１][3-9３-９]${D})${SEP}(${D}{4})${SEP}(${D}{4})(?!${D})`, 'g');
const PRIVATE_KEYS = new Set(['phone', 'name', 'contactPhone']);

// Landlines with an area code (0971-8123456): the local number's middle is hidden.
const LANDLINE = new RegExp(`(?<!${D})([(（]?[0０]${D}{2,3}[)）]?${SEP})(${D}{3,4})(${D}{4})(?!${D})`, 'g');

export function maskPhones(text: string): string {
  return text
    .replace(PHONE, (_m, head: string, _mid: string, tail: string) => `${head}****${tail}`)
    .replace(LANDLINE, (_m, area: string, _mid: string, tail: string) => `${area}***${tail}`);
}

function scrub(value: unknown, depth = 0): unknown {
  if (typeof value === 'string') return maskPhones(value);
  // Database errors quote the failed query's arguments, a resident's phone among them.
  if (value instanceof Error) {
    return { type: value.name, message: maskPhones(value.message), stack: maskPhones(value.stack ?? '') };
  }
  if (depth > 6 || value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) return value.map((v) => scrub(v, depth + 1));
  return Object.fromEntries(
    Object.entries(value).map(([k, v]) => [k, PRIVATE_KEYS.has(k) && v ? '[private]' : scrub(v, depth + 1)]),
  );
}

/** Structured JSON logs in which a resident's phone number or name never appears in clear. */
export function createLogger(level: string, destination?: pino.DestinationStream): Logger {
  return pino(
    {
      level,
      base: { pid: process.pid },
      formatters: { log: (obj) => scrub(obj) as Record<string, unknown> },
      hooks: {
        logMethod(args, method) {
          method.apply(this, args.map((a) => scrub(a)) as Parameters<typeof method>);
        },
      },
    },
    destination,
  );
}
