import { en } from './en.js';
import { zh, type TextKey } from './zh.js';

export type { TextKey };
export const languages = ['zh', 'en'] as const;
export type Lang = (typeof languages)[number];

const catalogs: Record<Lang, Record<TextKey, string>> = { zh, en };

export type Vars = Record<string, string | number>;

/** The text for a key in a language, with {placeholders} filled in. */
export function t(lang: Lang, key: TextKey, vars: Vars = {}): string {
  return catalogs[lang][key].replace(/\{(\w+)\}/g, (whole, name: string) =>
    name in vars ? String(vars[name]) : whole,
  );
}

/** The strings of one prefix (e.g. "page.") for every language, keys without the prefix: for the web page. */
export function textsWithPrefix(prefix: string): Record<Lang, Record<string, string>> {
  const pick = (catalog: Record<TextKey, string>) =>
    Object.fromEntries(
      Object.entries(catalog)
        .filter(([k]) => k.startsWith(prefix))
        .map(([k, v]) => [k.slice(prefix.length), v]),
    );
  return { zh: pick(zh), en: pick(en) };
}

/** A text that tells a member of staff why something was refused. */
export type StaffErrorKey = Extract<TextKey, `staffError.${string}`>;

/** A refusal in a language; `from` and `to` name case statuses, said in words (the console page does the same). */
export function staffErrorText(lang: Lang, key: StaffErrorKey, params: Vars = {}): string {
  const status = (value: string | number | undefined) => {
    const statusKey = `caseStatus.${String(value)}`;
    return statusKey in catalogs[lang] ? t(lang, statusKey as TextKey) : value;
  };
  const said = Object.fromEntries(Object.entries(params).map(([k, v]) => [k, k === 'from' || k === 'to' ? (status(v) ?? '') : v]));
  return t(lang, key, said);
}
