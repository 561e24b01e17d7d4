import { pino, type Logger } from 'pino';

export type { Logger };

// Mainland mobiles and landlines as they appear in free text; the middle digits are hidden.
const PHONE = /(?<!\d)(\+?86[- ]?)?(1[3-9]\d)[- ]?(\d{4})[- ]?(\d{4})(?!\d)/g;
const PRIVATE_KEYS = new Set(['phone', 'name', 'contactPhone']);

// Landlines with an area code (0971-8123456): the local number's middle is hidden.
const LANDLINE = /(?<!\d)(\(?0\d{2,3}\)?[\s-]?)(\d{3,4})(\d{4})(?!\d)/g;

export function maskPhones(text: string): string {
  return text
    .replace(PHONE, (_m, _cc, head: string, _mid: string, tail: string) => `${head}****${tail}`)
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
