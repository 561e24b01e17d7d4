import { normalizeText } from '../../nlp-models/index.js';
import { segment } from '../../nlp-models/topics/segmenter.js';

/**
 * How alike two complaint descriptions are, from features computed once per text: the duplicate
 * check (并单) compares a new case with the stored features of open ones, and any other caller
 * (hot spots, similar closed cases) ranks candidates the same way.
 */

/**
 * Words nearly every complaint uses (the most frequent in the shared citizen messages, less the
 * ones that name a thing or a problem). They say nothing about which problem it is, so they and
 * their character bigrams count for nothing. 小区/社区/街道 are here because "X小区" and "Y小区"
 * must differ by X; the place names themselves stay.
 */
const GENERIC_WORDS = `没有 我们 问题 一个 领导 部门 希望 严重 相关 现在 可以 已经 解决 情况 进行 不能 作为 要求
  多次 一直 投诉 但是 时间 什么 这个 这样 尊敬 请问 有关 您好 你好 还是 处理 工作 就是 无法 是否 反映 存在
  他们 本人 通过 导致 不是 需要 目前 造成 如果 开始 因为 为什么 任何 回复 自己 老百姓 知道 建议 其他 恳请 很多
  还有 而且 请求 得到 关于 这些 应该 一下 至今 由于 只有 这种 只能 重视 非常 之前 同时 为了 发现 直接 以上 能够
  甚至 怎么 尽快 或者 经常 属于 根据 看到 当时 对于 并且 了解 以及 才能 为何 事情 这么 特别 必须 具体 完全 如此
  所以 根本 诉求 答复 难道 可能 不要 几个 这是 如下 如何 继续 大家 谢谢 政府 市民 群众 百姓 人民 麻烦 帮忙
  管理 落实 小区 社区 街道 居民 业主 住户`.split(/\s+/);
const ENGLISH_STOPWORDS = `a an the and or but of to in on at for from by with about is are was were be been it its this
  that these those there here i we you he she they my our your their me us them not no please problem issue
  complaint report hello hi thanks thank have has had do does did can could would should will`.split(/\s+/);

const STOP = new Set<string>([...ENGLISH_STOPWORDS.map((w) => `w:${w}`)]);
for (const w of GENERIC_WORDS) {
  STOP.add(`w:${w}`);
  for (let i = 0; i + 1 < w.length; i++) STOP.add(`b:${w.slice(i, i + 2)}`);
}

/** Whether a word is one nearly every complaint uses (it tells nothing about the problem). */
export const isGenericWord = (word: string): boolean => STOP.has(`w:${word}`);

const CN_DIGITS: Record<string, number> = { 零: 0, 〇: 0, 一: 1, 二: 2, 两: 2, 三: 3, 四: 4, 五: 5, 六: 6, 七: 7, 八: 8, 九: 9 };
// Only numerals followed by a unit, so 一直, 一些, 统一 keep their characters.
const CN_NUMBER = /[零〇一二两三四五六七八九十]+(?=[号栋幢楼层单元期路巷组村天日周月年个户次])/g;

function chineseNumber(run: string): string {
  const ten = run.indexOf('十');
  if (ten >= 0 && ten === run.lastIndexOf('十') && run.length <= 3) {
    const tens = ten === 0 ? 1 : CN_DIGITS[run[ten - 1]!];
    const ones = ten === run.length - 1 ? 0 : CN_DIGITS[run[ten + 1]!];
    if (tens !== undefined && ones !== undefined && ten <= 1) return String(tens * 10 + ones);
  }
  return [...run].map((ch) => CN_DIGITS[ch] ?? ch).join('');
}

// The 2-4 characters before a place word are a name (幸福|小区, 鲁沙尔|镇): two reports of one
// problem share it, two reports of one kind of problem elsewhere do not.
const PLACE_NAME = /([\p{Script=Han}0-9]{2,4})(?=小区|花园|家园|新村|新城|公寓|大厦|广场|苑|村|镇|乡|街道|社区|路|街|巷|大道|小学|中学|学校|幼儿园|学院|医院|市场|公司)/gu;
// 3 separated best on hand-judged pairs of the shared citizen messages (AUC 0.83; 1 gave 0.78, 5 gave 0.82).
const PLACE_WEIGHT = 3;
// Both texts name places and none is shared: most likely the same kind of problem elsewhere. Halving
// left the hand-judged pairs' ranking as it was and keeps reworded texts about another compound apart.
const PLACE_MISMATCH = 0.5;

/**
 * A description's features, sorted: character bigrams (robust to rewording and segmentation) and
 * jieba words, each as a 32-bit hash whose lowest bit marks a place name (weight PLACE_WEIGHT).
 */
export type Features = Uint32Array;

// FNV-1a: 31 bits identify a feature; with ~100 features a text, two texts share a false one about once in 400,000 pairs.
function hash(feature: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < feature.length; i++) h = Math.imul(h ^ feature.charCodeAt(i), 0x01000193);
  return h >>> 0;
}

export function featuresOf(text: string): Features {
  const clean = normalizeText(text).toLowerCase().replace(CN_NUMBER, chineseNumber);
  // Feature hash without its place bit → whether it names a place.
  const found = new Map<number, boolean>();
  const add = (feature: string, place = false) => {
    if (STOP.has(feature)) return;
    const key = hash(feature) >>> 1;
    found.set(key, place || (found.get(key) ?? false));
  };
  for (const run of clean.match(/[\p{Script=Han}0-9]+/gu) ?? []) {
    for (let i = 0; i + 1 < run.length; i++) add(`b:${run.slice(i, i + 2)}`);
  }
  for (const word of segment(clean)) {
    if (/^\p{Script=Han}{2,}$/u.test(word) || /^[a-z0-9]+$/.test(word)) add(`w:${word}`);
  }
  for (const [, name] of clean.matchAll(PLACE_NAME)) {
    for (let i = 0; i + 1 < name!.length; i++) add(`b:${name!.slice(i, i + 2)}`, true);
  }
  const features = new Uint32Array(found.size);
  let n = 0;
  for (const [key, place] of found) features[n++] = ((key << 1) | (place ? 1 : 0)) >>> 0;
  return features.sort();
}

/** Bumped whenever featuresOf changes, so that features stored by an older version are computed again from the text. */
const FORMAT_VERSION = 1;

/** The first four bytes of features stored in the current format (to tell stale ones in SQL). */
export const FEATURES_HEADER = encodeFeatures(new Uint32Array(0));

/** The stored form (little-endian 32-bit words, the format version first). */
export function encodeFeatures(features: Features): Buffer<ArrayBuffer> {
  const bytes = Buffer.alloc(4 * (features.length + 1));
  bytes.writeUInt32LE(FORMAT_VERSION, 0);
  features.forEach((f, i) => bytes.writeUInt32LE(f, 4 * (i + 1)));
  return bytes;
}

/** Stored features, or null when there are none or an older version wrote them. */
export function decodeFeatures(bytes: Uint8Array | null): Features | null {
  if (!bytes || bytes.length < 4 || bytes.length % 4) return null;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (view.getUint32(0, true) !== FORMAT_VERSION) return null;
  const features = new Uint32Array(bytes.length / 4 - 1);
  for (let i = 0; i < features.length; i++) features[i] = view.getUint32(4 * (i + 1), true);
  return features;
}

/** Stored features when they are current, else computed from the text. */
export function featuresOrText(stored: Uint8Array | null, text: string): Features {
  return decodeFeatures(stored) ?? featuresOf(text);
}

/** A feature set's squared norm with place names weighted, and whether it names a place. */
type Norms = { weighted: number; places: boolean };
// Computed once per feature set: one new case is compared with every open case of its scope.
const NORMS = new WeakMap<Features, Norms>();

function norms(features: Features): Norms {
  let n = NORMS.get(features);
  if (!n) {
    n = { weighted: 0, places: false };
    for (const f of features) (n.weighted += (f & 1 ? PLACE_WEIGHT : 1) ** 2), (n.places ||= (f & 1) === 1);
    NORMS.set(features, n);
  }
  return n;
}

/**
 * Cosine similarity of two feature sets, 0 (nothing in common) to 1 (the same words). With
 * `places` false (hot spots, which are the same problem in different places by definition)
 * place names get no extra weight and a mismatch of places costs nothing.
 */
export function similarity(a: Features, b: Features, places = true): number {
  const weight = (f: number) => (places && f & 1 ? PLACE_WEIGHT : 1);
  const na = norms(a);
  const nb = norms(b);
  const [normA, normB] = places ? [na.weighted, nb.weighted] : [a.length, b.length];
  const [placesA, placesB] = [na.places, nb.places];
  if (normA === 0 || normB === 0) return 0;
  let dot = 0;
  let shared = false;
  for (let i = 0, j = 0; i < a.length && j < b.length; ) {
    const ka = a[i]! >>> 1;
    const kb = b[j]! >>> 1;
    if (ka < kb) i++;
    else if (ka > kb) j++;
    else {
      dot += weight(a[i]!) * weight(b[j]!);
      shared ||= (a[i]! & b[j]! & 1) === 1;
      i++;
      j++;
    }
  }
  const elsewhere = places && placesA && placesB && !shared;
  return (dot / Math.sqrt(normA * normB)) * (elsewhere ? PLACE_MISMATCH : 1);
}

/** How alike two complaint descriptions are, 0 (nothing in common) to 1 (the same words). */
export function textSimilarity(a: string, b: string): number {
  return similarity(featuresOf(a), featuresOf(b));
}

/** The candidates at least `threshold` alike to the target, most alike first, at most `limit` (`places` as for similarity). */
export function rankSimilar<T extends { features: Features }>(
  target: Features,
  candidates: Iterable<T>,
  opts: { threshold: number; limit: number; places?: boolean },
): (T & { similarity: number })[] {
  const ranked: (T & { similarity: number })[] = [];
  for (const candidate of candidates) {
    const s = similarity(target, candidate.features, opts.places);
    if (s >= opts.threshold) ranked.push({ ...candidate, similarity: s });
  }
  return ranked.sort((x, y) => y.similarity - x.similarity).slice(0, opts.limit);
}

// BM25's length normalisation (k1 1.2 as usual; b 0.5 ranked slightly better than 0.75 and 0.9 in
// npm run bench:past-answers): a candidate twice as long as the average counts a shared feature at
// about 0.8, four times as long at 0.55; one no longer than the average at 1.
const BM25_K1 = 1.2;
const BM25_B = 0.5;

/**
 * How much of a short target each candidate covers, 0 to 1: the target's features it shares,
 * each weighted by its rarity among the candidates (IDF squared) and by BM25's length normalisation of the
 * candidate, over the target's total weight. A feature no candidate has keeps its full weight, so a
 * report about something the candidates never mention covers little of it. Cosine similarity
 * would rank a long case that mentions a short report's every word below a short one sharing a
 * common word. Candidates at least `threshold`, most covering first, at most `limit`.
 */
export function rankByCoverage<T extends { features: Features }>(
  target: Features,
  candidates: readonly T[],
  opts: { threshold: number; limit: number },
): (T & { similarity: number })[] {
  const df = new Uint32Array(target.length);
  const shared: { candidate: T; at: number[] }[] = [];
  let lengths = 0;
  for (const candidate of candidates) {
    const b = candidate.features;
    lengths += b.length;
    const at: number[] = [];
    for (let i = 0, j = 0; i < target.length && j < b.length; ) {
      const ka = target[i]! >>> 1;
      const kb = b[j]! >>> 1;
      if (ka < kb) i++;
      else if (ka > kb) j++;
      else (df[i] = df[i]! + 1), at.push(i++), j++;
    }
    if (at.length) shared.push({ candidate, at });
  }
  const n = candidates.length;
  // Squared, as in a TF-IDF cosine: a rare shared feature counts far more than a common one.
  const idf = Array.from(df, (d) => Math.log((n + 1) / (d + 0.5)) ** 2);
  const total = idf.reduce((s, w) => s + w, 0);
  if (!n || total <= 0) return [];
  const average = lengths / n;
  const ranked: (T & { similarity: number })[] = [];
  for (const { candidate, at } of shared) {
    const norm = Math.min(1, (BM25_K1 + 1) / (1 + BM25_K1 * (1 - BM25_B + (BM25_B * candidate.features.length) / average)));
    const s = (at.reduce((sum, i) => sum + idf[i]!, 0) * norm) / total;
    if (s >= opts.threshold) ranked.push({ ...candidate, similarity: s });
  }
  return ranked.sort((x, y) => y.similarity - x.similarity).slice(0, opts.limit);
}
