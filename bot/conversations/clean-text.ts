// C0 control characters other than tab and newline: NUL is refused by PostgreSQL, the rest mean nothing to a reader.
const CONTROLS = /[\u0000-\u0008\u000b-\u001f]/g;
// Half of a surrogate pair on its own is no character; JSON encoders and PostgreSQL refuse it.
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;

/**
 * Text from outside as every channel hands it on: control characters removed, lone surrogates
 * replaced with U+FFFD. Everything else (RTL marks, emoji, markup) is kept verbatim.
 */
export function cleanText(text: string): string {
  return text.replace(LONE_SURROGATE, '\ufffd').replace(CONTROLS, '');
}

/** No form or API of Tingmin nests deeper; a deeper body is refused, not walked. */
const MAX_DEPTH = 32;

export class TooDeepError extends Error {
  readonly statusCode = 400;
  constructor() {
    super(`the body is nested more than ${MAX_DEPTH} levels deep`);
  }
}

/**
 * Every string in a parsed JSON body or query string, cleaned in place (arrays and objects keep
 * their shape). Keys are set as own properties, so a "__proto__" key stays a plain key.
 */
export function cleanStrings(value: unknown, depth = 0): unknown {
  if (typeof value === 'string') return cleanText(value);
  if (value === null || typeof value !== 'object') return value;
  if (depth >= MAX_DEPTH) throw new TooDeepError();
  for (const key of Object.keys(value)) {
    const cleaned = cleanStrings((value as Record<string, unknown>)[key], depth + 1);
    Object.defineProperty(value, key, { value: cleaned, writable: true, enumerable: true, configurable: true });
  }
  return value;
}
