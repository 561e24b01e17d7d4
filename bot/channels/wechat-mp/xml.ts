/**
 * The flat XML the Official Account platform speaks: `<xml>` holding one level of elements, each
 * with CDATA or plain text. Anything else (a DTD, entities beyond the five predefined ones,
 * comments, attributes, nesting) is refused, so nothing can expand or reach outside the document.
 */

export class XmlError extends Error {}

/** Largest document read; the platform's messages are a few hundred bytes. */
export const MAX_XML_CHARS = 64 * 1024;
const MAX_FIELDS = 64;

const PREDEFINED = new Map([
  ['lt', '<'],
  ['gt', '>'],
  ['amp', '&'],
  ['quot', '"'],
  ['apos', "'"],
]);

function decodeText(raw: string): string {
  if (raw.includes('<')) throw new XmlError('markup inside an element');
  return raw.replace(/&([^;]{0,10});?/g, (whole, name: string) => {
    if (!whole.endsWith(';')) throw new XmlError('bare & in text');
    const numeric = name.match(/^#(?:x([0-9a-fA-F]{1,6})|([0-9]{1,7}))$/);
    if (numeric) {
      const code = numeric[1] !== undefined ? parseInt(numeric[1], 16) : Number(numeric[2]);
      if (code > 0x10ffff) throw new XmlError('character reference out of range');
      return String.fromCodePoint(code);
    }
    const known = PREDEFINED.get(name);
    if (known === undefined) throw new XmlError(`unknown entity &${name};`);
    return known;
  });
}

/** Reads `<xml><Name>value</Name>…</xml>` into a Map; throws XmlError on anything else. */
export function parseFlatXml(doc: string): Map<string, string> {
  if (doc.length > MAX_XML_CHARS) throw new XmlError('document too large');
  const fields = new Map<string, string>();
  let at = 0;
  const expect = (re: RegExp): RegExpExecArray => {
    re.lastIndex = at;
    const m = re.exec(doc);
    if (!m) throw new XmlError(`unexpected input at ${at}`);
    at = re.lastIndex;
    return m;
  };
  const peek = (re: RegExp): boolean => {
    re.lastIndex = at;
    return re.test(doc);
  };
  expect(/\s*(?:<\?xml[^<>?]*\?>\s*)?<xml>/y);
  while (!peek(/\s*<\/xml>/y)) {
    const name = expect(/\s*<([A-Za-z_][A-Za-z0-9_]{0,63})>/y)[1]!;
    let value = '';
    const isCdata = peek(/<!\[CDATA\[/y);
    // A value may be split into several CDATA sections (that is how "]]>" is written inside one).
    while (peek(/<!\[CDATA\[/y)) value += expect(/<!\[CDATA\[([\s\S]*?)\]\]>/y)[1];
    if (!isCdata) value = decodeText(expect(/([^<]*)/y)[1]!);
    expect(new RegExp(`</${name}>`, 'y'));
    if (fields.has(name)) throw new XmlError(`repeated element ${name}`);
    if (fields.size >= MAX_FIELDS) throw new XmlError('too many elements');
    fields.set(name, value);
  }
  expect(/\s*<\/xml>\s*$/y);
  return fields;
}

function cdata(value: string): string {
  return `<![CDATA[${value.replaceAll(']]>', ']]]]><![CDATA[>')}]]>`;
}

/** Writes a flat document: strings as CDATA, numbers as plain text. */
export function buildFlatXml(fields: [string, string | number][]): string {
  return `<xml>${fields.map(([name, value]) => `<${name}>${typeof value === 'number' ? value : cdata(value)}</${name}>`).join('')}</xml>`;
}
