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
