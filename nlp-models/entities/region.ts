import { normalizeText } from '../text/normalize.js';
import { segment } from '../topics/segmenter.js';

export type RegionDef = {
  code: string;
  name: string;
  level: 'prefecture' | 'county';
  parentCode: string | null;
  aliases: string[];
};

type Term = { text: string; region: RegionDef; bare: boolean };
type Match = { term: Term; at: number };

// A name ending like this is specific enough to trust wherever it appears ("城东区").
const ADMIN_SUFFIX = /[区县市州]$/;

/**
 * Finds the county or prefecture a text is about, from full names and aliases. A bare short form
 * (城中, 格尔木) only counts as a whole word, so 城中村 is not 城中区 and 祁连山 is not 祁连县.
 */
export class RegionMatcher {
  private readonly terms: Term[];

  constructor(regions: RegionDef[]) {
    this.terms = regions.flatMap((region) =>
      // Lower case so that English aliases match however they are written (Chengdong, chengdong).
      [region.name, ...region.aliases].map((name) => ({ text: name.toLowerCase(), region, bare: !ADMIN_SUFFIX.test(name) })),
    );
  }

  /** The best match: a county before a prefecture (a county implies its prefecture), then the longest, then the first. */
  match(text: string): RegionDef | null {
    const clean = normalizeText(text).toLowerCase();
    const found = this.findAll(clean);
    if (!found.length) return null;
    const words = found.some((m) => m.term.bare) ? wordBoundaries(clean) : null;
    const valid = found.filter((m) => !m.term.bare || (words!.has(m.at) && words!.has(m.at + m.term.text.length)));
    const rank = (m: Match) => [m.term.region.level === 'county' ? 0 : 1, -m.term.text.length, m.at];
    valid.sort((a, b) => compareTuples(rank(a), rank(b)));
    return valid[0]?.term.region ?? null;
  }

  private findAll(text: string): Match[] {
    const matches: Match[] = [];
    for (const term of this.terms) {
      for (let at = text.indexOf(term.text); at >= 0; at = text.indexOf(term.text, at + 1)) matches.push({ term, at });
    }
    return matches;
  }
}

/** Offsets where a jieba word starts or ends. */
function wordBoundaries(text: string): Set<number> {
  const bounds = new Set([0]);
  let offset = 0;
  for (const word of segment(text)) bounds.add((offset += word.length));
  return bounds;
}

function compareTuples(a: number[], b: number[]): number {
  for (let i = 0; i < a.length; i += 1) if (a[i] !== b[i]) return a[i]! - b[i]!;
  return 0;
}

// A piece of an address after the county: a few characters ending like a town, village, street or
// building (碾伯镇, 七里店村, 八一路, 3号楼); 的, 了 and punctuation end it.
const ADDRESS_PART = /^[^\s\p{P}的了在是有和与及被把将已]{1,8}?(?:街道|社区|小区|单元|门口|镇|乡|村|组|队|路|街|巷|弄|号|苑|园|楼|栋)/u;

/**
 * The address a text gives after naming the region: "碾伯镇七里店村" in "乐都区碾伯镇七里店村的
 * 自来水停了", "" when nothing address-like follows the region's name.
 */
export function addressAfter(text: string, region: RegionDef): string {
  const clean = normalizeText(text);
  const lower = clean.toLowerCase();
  // The longest of its names that the text holds ("乐都区" rather than "乐都").
  const name = [region.name, ...region.aliases].map((n) => n.toLowerCase()).filter((n) => lower.includes(n)).sort((x, y) => y.length - x.length)[0];
  if (!name) return '';
  let rest = clean.slice(lower.indexOf(name) + name.length);
  let address = '';
  for (let part = ADDRESS_PART.exec(rest); part; part = ADDRESS_PART.exec(rest)) {
    address += part[0];
    rest = rest.slice(part[0].length);
  }
  return address;
}
