/**
 * `npm run bench:past-answers` (tsx test/bench/past-answers.ts [--data <csv>]): how well past answers
 * (过往答复) serve short reports. Every message of the office's past messages with replies (default
 * ../shared/data/complaints-with-replies.csv, read where it is) becomes a past case as
 * `history:import` makes it (description title + detail, stored features, the classifier's topic);
 * then each message's title alone is a new short report of that topic, its own case held out, and
 * the past answers are chosen among the others by the code the console uses (choosePastAnswers).
 *
 * Per report: whether anything is shown; whether the top 3 holds a case of the same first-level
 * topic; whether it holds a case containing the title's key term (its rarest word, by how many
 * messages contain it, among those found in at least one other message: reports whose every word
 * is unique are left out); and how many shown answers share neither (noise). A script, not a test.
 *
 * `--reports <csv>` (id,title,detail,…) takes the short reports from another file instead, titles
 * the thresholds were not chosen on (../shared/data/complaints-unlabelled.csv); a past case with
 * the same title is held out.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { choosePastAnswers, contentWords, shownPastAnswers } from '../../core/cases/past-answers.js';
import { featuresOf, type Features } from '../../core/cases/similarity.js';
import { loadTopicClassifier, normalizeText, parseCsv } from '../../nlp-models/index.js';
import { parseHistoryCsv } from '../../workers/history-import.js';

const DEFAULT_DATA = fileURLToPath(new URL('../../../shared/data/complaints-with-replies.csv', import.meta.url));
const { values: args } = parseArgs({ options: { data: { type: 'string' }, reports: { type: 'string' } } });
const { rows } = parseHistoryCsv(readFileSync(args.data ?? DEFAULT_DATA, 'utf8'), 'Asia/Shanghai');
const classifier = await loadTopicClassifier();

type Past = { index: number; topic: string; text: string; features: Features };
const past: Past[] = rows.map((r, index) => {
  const text = [r.title, r.detail].filter(Boolean).join('\n');
  return { index, topic: classifier.classify({ title: r.title, detail: r.detail })[0]?.label ?? '', text, features: featuresOf(text) };
});

/** The past answers shown for a report, as the console chooses them. */
const choose = <T extends Past & { sameTopic: boolean }>(report: string, candidates: T[]) =>
  shownPastAnswers(report, choosePastAnswers(featuresOf(report), candidates), (c) => c.text);

// Each topic's candidates as the console reads them: of the report's topic or not.
const candidatesOf = new Map([...new Set(past.map((p) => p.topic))].map((topic) => [topic, past.map((p) => ({ ...p, sameTopic: p.topic === topic }))]));
const otherTopic = past.map((p) => ({ ...p, sameTopic: false }));
const candidatesFor = (topic: string) => candidatesOf.get(topic) ?? otherTopic;

const lowered = past.map((p) => normalizeText(p.text).toLowerCase());
const documentFrequency = new Map<string, number>();
const df = (word: string) => {
  let n = documentFrequency.get(word);
  if (n === undefined) documentFrequency.set(word, (n = lowered.filter((t) => t.includes(word)).length));
  return n;
};

type Tally = { reports: number; shown: number; topic: number; term: number; answers: number; noise: number };
const tally = (): Tally => ({ reports: 0, shown: 0, topic: 0, term: 0, answers: 0, noise: 0 });
const buckets = new Map<string, Tally>([['all', tally()], ['title ≤ 10 chars', tally()], ['title 11-20', tally()], ['title > 20', tally()]]);
let slowest = 0;
let total = 0;

// The short reports: each past message's title with its own case held out, or another file's titles.
type Report = { title: string; topic: string; heldOut: (p: Past) => boolean };
const reports: Report[] = args.reports
  ? parseCsv(readFileSync(args.reports, 'utf8'))
      .slice(1)
      .map(([, title = '', detail = '']) => ({ title, topic: classifier.classify({ title, detail })[0]?.label ?? '', heldOut: (p: Past) => rows[p.index]!.title === title }))
  : rows.map((r, i) => ({ title: r.title, topic: past[i]!.topic, heldOut: (p: Past) => p.index === i }));

for (const r of reports) {
  const key = contentWords(r.title).filter((w) => df(w) >= 2).sort((a, b) => df(a) - df(b))[0];
  if (!key) continue;
  const started = performance.now();
  const shown = choose(r.title, candidatesFor(r.topic).filter((p) => !r.heldOut(p)));
  const ms = performance.now() - started;
  total += ms;
  slowest = Math.max(slowest, ms);
  const length = [...r.title].length;
  for (const name of ['all', length <= 10 ? 'title ≤ 10 chars' : length <= 20 ? 'title 11-20' : 'title > 20']) {
    const t = buckets.get(name)!;
    t.reports += 1;
    t.shown += shown.length ? 1 : 0;
    t.topic += shown.some((s) => s.topic === r.topic) ? 1 : 0;
    t.term += shown.some((s) => lowered[s.index]!.includes(key)) ? 1 : 0;
    t.answers += shown.length;
    t.noise += shown.filter((s) => s.topic !== r.topic && !lowered[s.index]!.includes(key)).length;
  }
}

// Everyday chat that is no complaint (written for this benchmark): any past answer shown is noise.
const OFF_TOPIC = `你们好吗 在吗在吗 我要吃饭了 周末去哪里玩 帮我讲个笑话 你是机器人吗 我的手机没电了 今天星期几 我喜欢打篮球 早上好啊
  我饿了 唱首歌吧 我想买一双新鞋 孩子考试考得不好 我家狗狗生病了 你叫什么名字 这个游戏真好玩 电视剧太好看了 我忘记密码了 咖啡太苦了
  今天心情不好 晚安 谢谢你的帮助 我要去旅游 请问现在几点了 我的电脑坏了 蛋糕很好吃 头发剪短了 我在学英语 明天要开会 衣服洗好了
  猫咪很可爱 想听音乐 书包丢了 冰箱里没有牛奶了 我的耳机坏了 窗户没关好 钱包找不到了 牙疼得厉害 手机没信号`.split(/\s+/);
let offTopicShown = 0;
for (const text of OFF_TOPIC) {
  // The topic the resident would be offered first.
  const topic = classifier.classify({ title: '', detail: text })[0]?.label ?? '';
  offTopicShown += choose(text, candidatesFor(topic)).length ? 1 : 0;
}

const pct = (n: number, d: number) => (d ? `${((100 * n) / d).toFixed(1)}%` : '-');
console.log(`${past.length} past cases; ${args.reports ? `each title of ${args.reports} alone as a short report (a past case with the same title held out)` : 'each title alone as a short report (own case held out)'}\n`);
console.log('| reports | n | something shown | same topic in top 3 | key term in top 3 | shown answers sharing neither |');
console.log('| --- | --- | --- | --- | --- | --- |');
for (const [name, t] of buckets) console.log(`| ${name} | ${t.reports} | ${pct(t.shown, t.reports)} | ${pct(t.topic, t.reports)} | ${pct(t.term, t.reports)} | ${pct(t.noise, t.answers)} of ${t.answers} |`);
const n = buckets.get('all')!.reports;
console.log(`\n${OFF_TOPIC.length} everyday messages that are no complaint: a past answer shown for ${pct(offTopicShown, OFF_TOPIC.length)}`);
console.log(`choosing among ${past.length - 1} candidates: mean ${(total / n).toFixed(2)} ms, slowest ${slowest.toFixed(1)} ms`);
