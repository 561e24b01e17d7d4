/**
 * Simulated residents for `npm run bench`, in a process of their own so that the system under
 * test keeps its CPU to itself as far as two processes on one machine allow. Each resident opens
 * a web chat session and files a complete report over the HTTP API (greeting → menu → a real
 * citizen's message → topic → place → phone → confirm), then starts the next one; the page of a
 * confirmed report keeps polling, as the web chat page does, until the case number arrives.
 *
 * `tsx test/bench/residents.ts --url <base> --residents N --seconds S --texts <csv> [--baseline]`
 * prints one JSON line. Against the baseline (a bare Fastify + Redis route) the same script runs
 * without reading the replies.
 */
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import http from 'node:http';
import { parseArgs } from 'node:util';
import { parseCsv } from '../../nlp-models/data/csv.js';

const { values: args } = parseArgs({
  options: {
    url: { type: 'string' },
    residents: { type: 'string', default: '50' },
    seconds: { type: 'string', default: '15' },
    texts: { type: 'string' },
    baseline: { type: 'boolean', default: false },
    'notify-wait': { type: 'string', default: '10' },
  },
});
const base = new URL(args.url!);
const RESIDENTS = Number(args.residents);
const SECONDS = Number(args.seconds);
const POLL_MS = 250;
// A case number: the prefix and the date and sequence digits (README, case numbers).
const CASE_NUMBER = /\b[A-Z]{1,4}\d{10,}\b/;

type Button = { label: string; payload: string };
type Reply = { id?: string; at?: string; text: string; buttons?: Button[] };

function loadTexts(path: string): string[] {
  const [header, ...rows] = parseCsv(readFileSync(path, 'utf8'));
  const detail = header!.indexOf('detail');
  const title = header!.indexOf('title');
  return rows
    .map((r) => [...(r[detail] || r[title] || '').trim()].slice(0, 1000).join(''))
    .filter((t) => t.length >= 15);
}
const texts = loadTexts(args.texts!);

const agent = new http.Agent({ keepAlive: true, maxSockets: RESIDENTS * 2 });
let nextAddress = 0;

function request(method: 'GET' | 'POST', path: string, headers: Record<string, string>, body?: unknown): Promise<{ status: number; json: any }> {
  const data = body === undefined ? undefined : Buffer.from(JSON.stringify(body));
  return new Promise((resolve, reject) => {
    const req = http.request(
      { host: base.hostname, port: base.port, method, path, agent, headers: { ...headers, ...(data ? { 'content-type': 'application/json', 'content-length': String(data.length) } : {}) } },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          try {
            resolve({ status: res.statusCode ?? 0, json: text ? JSON.parse(text) : undefined });
          } catch (err) {
            reject(err as Error);
          }
        });
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(data);
  });
}

const latencies: number[] = [];
const notifyLatencies: number[] = [];
const counts = { turns: 0, errors: 0, derailed: 0, reports: 0, notified: 0, sessions: 0 };
const derailedAt = new Map<string, number>();
const polls: Promise<void>[] = [];
let stopped = false;
let deadline = Infinity;

class Derailed extends Error {}

async function resident(index: number): Promise<void> {
  let n = index;
  while (performance.now() < deadline) {
    // Behind a proxy (TRUST_PROXY) each resident comes from an address of their own, as in production.
    const address = { 'x-forwarded-for': `10.${(nextAddress >> 16) & 255}.${(nextAddress >> 8) & 255}.${nextAddress++ & 255}` };
    const session = await request('POST', '/api/webchat/sessions', address, {});
    if (session.status !== 201) {
      counts.errors++;
      continue;
    }
    counts.sessions++;
    const headers = { ...address, authorization: `Bearer ${session.json.token}` };
    const turn = async (body: { text?: string; payload?: string }): Promise<Reply[]> => {
      // At the end of the measurement a report being written is left where it is.
      if (performance.now() >= deadline) throw new Derailed('');
      const t0 = performance.now();
      // As the page sends it: each message with an id of its own, so that a retry is answered once.
      const res = await request('POST', '/api/webchat/messages', headers, { messageId: randomUUID().replaceAll('-', ''), ...body });
      latencies.push(performance.now() - t0);
      counts.turns++;
      if (res.status !== 200) {
        counts.errors++;
        throw new Derailed(`status ${res.status}`);
      }
      return res.json.replies as Reply[];
    };
    // The button a resident would press; the baseline answers no buttons, so its script presses blind.
    const press = (replies: Reply[], step: string, wanted: (p: string) => boolean, fallback: string) => {
      const found = replies.flatMap((r) => r.buttons ?? []).find((b) => wanted(b.payload))?.payload;
      if (found === undefined && !args.baseline) throw new Derailed(step);
      return found ?? fallback;
    };
    try {
      let replies = await turn({ text: '你好' });
      replies = await turn({ payload: press(replies, 'menu', (p) => p === 'menu:report', 'menu:report') });
      replies = await turn({ text: texts[n++ % texts.length]! });
      replies = await turn({ payload: press(replies, 'topic', (p) => p.startsWith('topic:'), 'topic:?') });
      // The place is asked unless the message named one; the phone question offers "skip".
      if (!replies.at(-1)?.buttons?.some((b) => b.payload === 'skip')) replies = await turn({ text: '城东区八一路12号' });
      replies = await turn({ text: `139${String(10_000_000 + (n % 90_000_000)).padStart(8, '0')}` });
      // The page reads on from what it had before confirming: the case number may be in the mailbox before the confirm's own answer.
      const summary = replies.at(-1)?.id;
      replies = await turn({ payload: press(replies, 'summary', (p) => p === 'confirm', 'confirm') });
      counts.reports++;
      const answered = replies.at(-1);
      if (!args.baseline && summary && answered?.at) polls.push(waitForCaseNumber(headers, summary, Date.parse(answered.at)));
    } catch (err) {
      if (!(err instanceof Derailed)) throw err;
      if (!err.message) continue;
      counts.derailed++;
      derailedAt.set(err.message, (derailedAt.get(err.message) ?? 0) + 1);
    }
  }
}

/** Polls the page's mailbox until the case number arrives; the latency is by the server's own times. */
async function waitForCaseNumber(headers: Record<string, string>, cursor: string, confirmedAt: number): Promise<void> {
  for (;;) {
    await new Promise((r) => setTimeout(r, POLL_MS));
    const res = await request('GET', `/api/webchat/messages?after=${cursor}`, headers);
    if (res.status === 200) {
      const messages = res.json.messages as Reply[];
      const numbered = messages.find((m) => CASE_NUMBER.test(m.text));
      if (numbered) {
        counts.notified++;
        // Already there when the confirm was answered: no wait at all.
        notifyLatencies.push(Math.max(0, Date.parse(numbered.at!) - confirmedAt));
        return;
      }
      cursor = res.json.cursor ?? cursor;
    }
    if (stopped) return;
  }
}

const quantile = (xs: number[], q: number) => {
  if (!xs.length) return null;
  const sorted = [...xs].sort((a, b) => a - b);
  return Math.round(sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]! * 10) / 10;
};

const started = performance.now();
const cpuAtStart = process.cpuUsage();
deadline = started + SECONDS * 1000;
await Promise.all(Array.from({ length: RESIDENTS }, (_, i) => resident(i * 7919)));
const seconds = (performance.now() - started) / 1000;
// Notifications still on their way get a while to arrive; those that do not are counted missing.
const waitTimer = setTimeout(() => (stopped = true), Number(args['notify-wait']) * 1000);
await Promise.all(polls);
clearTimeout(waitTimer);
agent.destroy();
const cpu = process.cpuUsage(cpuAtStart);
console.log(
  JSON.stringify({
    residents: RESIDENTS,
    seconds: Math.round(seconds * 10) / 10,
    ...counts,
    derailedAt: Object.fromEntries(derailedAt),
    turnsPerSecond: Math.round(counts.turns / seconds),
    p50Ms: quantile(latencies, 0.5),
    p99Ms: quantile(latencies, 0.99),
    notifyP50Ms: quantile(notifyLatencies, 0.5),
    notifyP99Ms: quantile(notifyLatencies, 0.99),
    // The generator's own CPU while measuring: the bench counts it as part of each turn's cost.
    cpuMs: Math.round((cpu.user + cpu.system) / 1000),
  }),
);
