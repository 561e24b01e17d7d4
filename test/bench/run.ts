/**
 * `npm run bench`: what residents get from `npm start`, against a floor measured in the same run.
 *
 * - The system under test is the production process: `npm run build`, then `node dist/bot/main.js
 *   all` (HTTP server, web chat and the workers in one process), on a database and Redis key prefix
 *   of its own, both removed afterwards.
 * - The baseline is a bare Fastify route doing one Redis GET and SET (baseline.ts), its own process.
 * - The durable floor (durable-floor.ts, its own process, database and key prefix) is the least a turn
 *   does that keeps Tingmin's guarantees, built from its storage parts: what the baseline's ratio
 *   cannot show, how much of the distance is durability and how much is the product's own work.
 * - The load generator (residents.ts) is a third process: residents filing complete reports over
 *   the web chat API with real citizen texts, at 50 and 500 at once, against both.
 * - Then the Redis bytes per live dialogue, the bot's largest RSS, and intake drain with 1 and 2
 *   worker processes (intake.ts, when present).
 *
 * Prints one markdown table and writes it to BENCHMARKS.md with the machine and the commands.
 * Settings: BENCH_SECONDS (per measurement, default 15), BENCH_LEVELS (residents at once, default 50,500),
 * BENCH_CPU_PROF=<dir> (profile the bot process with node --cpu-prof), BENCH_INTAKE=0 (skip intake
 * drain), BENCH_WRITE=0 (print the table only, leave BENCHMARKS.md as it is: quick before/after runs).
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync, openSync, mkdirSync } from 'node:fs';
import { cpus, totalmem, tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import pg from 'pg';
import { createClient } from 'redis';
import { loadConfig } from '../../core/platform/config.js';
import { pgConfig } from '../../prisma/pg-config.js';
import { cpuPerTurn, cpuSnapshot, type CpuPerTurn } from './cpu.js';

const SECONDS = Number(process.env.BENCH_SECONDS ?? 15);
const LEVELS = (process.env.BENCH_LEVELS ?? '50,500').split(',').map(Number);
const ROOT = new URL('../../', import.meta.url).pathname;
const SHARED_TEXTS = join(ROOT, '../shared/data/complaints-unlabelled.csv');
const TEXTS = existsSync(SHARED_TEXTS) ? SHARED_TEXTS : join(ROOT, 'nlp-models/corpus/topics.csv');
const TSX = join(ROOT, 'node_modules/.bin/tsx');

// The node options `npm start` gives the process (its heap sizes), read from package.json.
const startScript = (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> }).scripts.start!;
const nodeOptions = /\bnode ((?:--\S+ )*)dist\/bot\/main\.js all/.exec(startScript)?.[1]?.trim().split(' ').filter(Boolean) ?? [];

const run = randomBytes(3).toString('hex');
const base = loadConfig();
const dbUrl = new URL(base.DATABASE_URL);
dbUrl.pathname = `/tingmin_bench_${run}`;
const floorDbUrl = new URL(base.DATABASE_URL);
floorDbUrl.pathname = `/tingmin_bench_${run}_floor`;
const prefix = `tmbench_${run}`;
const workDir = join(tmpdir(), `tingmin-bench-${run}`);
mkdirSync(workDir, { recursive: true });

type Residents = {
  residents: number; seconds: number; turns: number; errors: number; derailed: number; derailedAt: Record<string, number>;
  reports: number; notified: number; sessions: number; turnsPerSecond: number; p50Ms: number | null; p99Ms: number | null;
  notifyP50Ms: number | null; notifyP99Ms: number | null; cpuMs: number;
};
type Measured = Residents & { cpu: CpuPerTurn };
type Intake = {
  workers: number;
  submissions: number;
  seconds: number;
  casesPerSecond: number;
  notifyLagP99Ms?: number;
  rate?: number;
  filedPerSecond?: number;
  confirmToMessageP99Ms?: number;
};

/** Starts a process and resolves with it once `ready` says so (or rejects when it exits first). */
function start(name: string, command: string, argv: string[], env: NodeJS.ProcessEnv, ready: (child: ChildProcess) => Promise<void>): Promise<ChildProcess> {
  const log = openSync(join(workDir, `${name}.log`), 'a');
  const child = spawn(command, argv, { cwd: ROOT, env, stdio: ['ignore', name === 'bot' ? log : 'pipe', log] });
  return new Promise((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`${name} exited (${code}) before it was ready; see ${join(workDir, `${name}.log`)}`)));
    ready(child).then(() => resolve(child), reject);
  });
}

/** Runs a process to its end and returns the last JSON line it printed. */
function lastJson<T>(command: string, argv: string[], env: NodeJS.ProcessEnv = process.env): Promise<T> {
  const child = spawn(command, argv, { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'inherit'] });
  let last = '';
  createInterface({ input: child.stdout! }).on('line', (line) => line.trim().startsWith('{') && (last = line));
  return new Promise((resolve, reject) =>
    child.on('exit', (code) => (code === 0 && last ? resolve(JSON.parse(last) as T) : reject(new Error(`${command} ${argv.join(' ')} exited ${code}`)))),
  );
}

const stopProcess = (child: ChildProcess | undefined) =>
  new Promise<void>((resolve) => {
    if (!child || child.exitCode !== null) return resolve();
    child.once('exit', () => resolve());
    child.kill('SIGTERM');
  });

function rssOf(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  return Number(/VmRSS:\s+(\d+) kB/.exec(status)?.[1] ?? 0) * 1024;
}

async function dialogueBytes(): Promise<{ bytes: number; dialogues: number }> {
  const redis = createClient({ url: base.REDIS_URL });
  await redis.connect();
  let bytes = 0;
  let dialogues = 0;
  const byKind = new Map<string, number>();
  for await (const keys of redis.scanIterator({ MATCH: `${prefix}:*`, COUNT: 1000 })) {
    for (const key of keys) {
      // Queues belong to intake, not to dialogues.
      if (key.startsWith(`${prefix}:bull:`)) continue;
      if (key.startsWith(`${prefix}:session:`)) dialogues++;
      const size = (await redis.memoryUsage(key, { SAMPLES: 0 })) ?? 0;
      bytes += size;
      // The kind of key: the prefix's next parts without the resident's id.
      const kind = key.slice(prefix.length + 1).split(':').slice(0, 2).join(':');
      byKind.set(kind, (byKind.get(kind) ?? 0) + size);
    }
  }
  console.error('Redis bytes by kind of key:', JSON.stringify(Object.fromEntries([...byKind].sort((a, b) => b[1] - a[1]))));
  await redis.quit();
  return { bytes, dialogues };
}

async function cleanUp(): Promise<void> {
  const redis = createClient({ url: base.REDIS_URL });
  await redis.connect();
  for await (const keys of redis.scanIterator({ MATCH: `${prefix}*`, COUNT: 1000 })) if (keys.length) await redis.del(keys);
  await redis.quit();
  const admin = new pg.Client({ ...pgConfig(base.DATABASE_URL), database: 'postgres' });
  await admin.connect();
  for (const db of [`tingmin_bench_${run}`, `tingmin_bench_${run}_floor`]) await admin.query(`DROP DATABASE IF EXISTS "${db}" WITH (FORCE)`);
  await admin.end();
}

async function logCounts(): Promise<{ inbound: number; submissions: number; cases: number }> {
  const client = new pg.Client(pgConfig(dbUrl.toString()));
  await client.connect();
  const one = async (sql: string) => Number((await client.query<{ n: string }>(sql)).rows[0]!.n);
  const counts = {
    inbound: await one(`SELECT count(*) AS n FROM "Message" WHERE direction = 'inbound'`),
    submissions: await one(`SELECT count(*) AS n FROM "Submission"`),
    cases: await one(`SELECT count(*) AS n FROM "Case"`),
  };
  await client.end();
  return counts;
}

const residentsRun = (url: string, residents: number, seconds: number, baseline: boolean) =>
  lastJson<Residents>(TSX, [join(ROOT, 'test/bench/residents.ts'), '--url', url, '--residents', String(residents), '--seconds', String(seconds), '--texts', TEXTS, ...(baseline ? ['--baseline'] : [])]);

/** One measurement, with the CPU its turns cost in the server, PostgreSQL, Redis and the generator. */
async function measure(server: ChildProcess, url: string, residents: number, baseline: boolean): Promise<Measured> {
  const before = cpuSnapshot(server.pid!);
  const result = await residentsRun(url, residents, SECONDS, baseline);
  return { ...result, cpu: cpuPerTurn(before, cpuSnapshot(server.pid!), result.cpuMs, Math.max(1, result.turns)) };
}

const benchStarted = performance.now();
const env = {
  ...process.env,
  NODE_ENV: 'production',
  DATABASE_URL: dbUrl.toString(),
  REDIS_PREFIX: prefix,
  HOST: '127.0.0.1',
  PORT: String(20_000 + Math.floor(Math.random() * 20_000)),
  // As behind the reverse proxy a deployment has: each resident's own address counts for the per-address limit.
  TRUST_PROXY: '1',
};
let bot: ChildProcess | undefined;
let baseline: ChildProcess | undefined;
let durable: ChildProcess | undefined;
const results = new Map<string, { floor: Measured; durable: Measured; tingmin: Measured }>();
let rss = 0;
let memory = { bytes: 0, dialogues: 0 };
let logged = { inbound: 0, submissions: 0, cases: 0 };
const intake: Intake[] = [];
try {
  console.error('building (npm run build) …');
  execFileSync('npm', ['run', '-s', 'build'], { cwd: ROOT, stdio: ['ignore', 'ignore', 'inherit'] });
  const profile = process.env.BENCH_CPU_PROF ? ['--cpu-prof', '--cpu-prof-dir', process.env.BENCH_CPU_PROF] : [];
  const botUrl = `http://127.0.0.1:${env.PORT}`;
  bot = await start('bot', process.execPath, [...nodeOptions, ...profile, 'dist/bot/main.js', 'all'], env, async () => {
    for (;;) {
      const ok = await fetch(`${botUrl}/readyz`).then((r) => r.ok, () => false);
      if (ok) return;
      await new Promise((r) => setTimeout(r, 200));
    }
  });
  // Each floor prints {"url": ...} once it listens.
  const listening = (name: string, script: string, env: NodeJS.ProcessEnv) => {
    let url = '';
    return start(name, TSX, [join(ROOT, script)], env, (child) =>
      new Promise((resolve) => createInterface({ input: child.stdout! }).once('line', (line) => resolve(void (url = (JSON.parse(line) as { url: string }).url)))),
    ).then((child) => ({ child, url }));
  };
  let baselineUrl: string;
  let durableUrl: string;
  ({ child: baseline, url: baselineUrl } = await listening('baseline', 'test/bench/baseline.ts', env));
  ({ child: durable, url: durableUrl } = await listening('durable-floor', 'test/bench/durable-floor.ts', { ...env, DATABASE_URL: floorDbUrl.toString(), REDIS_PREFIX: `${prefix}_floor` }));
  const sampler = setInterval(() => (rss = Math.max(rss, rssOf(bot!.pid!))), 200);
  console.error('warming up …');
  await residentsRun(botUrl, 20, 3, false);
  for (const residents of LEVELS) {
    console.error(`${residents} residents …`);
    const floor = await measure(baseline, baselineUrl, residents, true);
    const durableFloor = await measure(durable, durableUrl, residents, true);
    const tingmin = await measure(bot, botUrl, residents, false);
    results.set(String(residents), { floor, durable: durableFloor, tingmin });
  }
  clearInterval(sampler);
  memory = await dialogueBytes();
  await stopProcess(baseline);
  await stopProcess(durable);
  await stopProcess(bot);
  logged = await logCounts();
  if (process.env.BENCH_INTAKE !== '0') {
    for (const workers of [1, 2]) {
      console.error(`intake drain, ${workers} worker process(es) …`);
      intake.push(await lastJson<Intake>(TSX, [join(ROOT, 'test/bench/intake.ts'), '--workers', String(workers), '--submissions', '10000'], { ...process.env, NODE_ENV: 'production' }));
    }
    console.error('notification latency, reports confirmed at 1,000 a second, 1 worker process …');
    intake.push(await lastJson<Intake>(TSX, [join(ROOT, 'test/bench/intake.ts'), '--workers', '1', '--submissions', '10000', '--rate', '1000'], { ...process.env, NODE_ENV: 'production' }));
  }
} finally {
  await stopProcess(baseline);
  await stopProcess(durable);
  await stopProcess(bot);
  await cleanUp();
}

// The table: ratios to the in-run baseline are the headline; absolute figures vary with the machine's load.
const MB = 1024 * 1024;
const fmt = (n: number | null | undefined, unit = '') => (n === null || n === undefined ? 'n/a' : `${Math.round(n).toLocaleString('en-US')}${unit}`);
const verdict = (ok: boolean | undefined) => (ok === undefined ? '' : ok ? 'yes' : '**no**');
const rows: string[][] = [];
const ms = (n: number | null) => (n === null ? 'n/a' : `${n < 1 ? n.toFixed(2) : n.toFixed(1)} ms`);
const cpuText = (c: CpuPerTurn) => `${ms(c.total)} (server ${ms(c.server)}, PostgreSQL ${ms(c.postgres)}, Redis ${ms(c.redis)}, load generator ${ms(c.load)})`;
const speed = (r: Residents) => `${fmt(r.turnsPerSecond)} turns/s, p50 ${fmt(r.p50Ms, ' ms')}, p99 ${fmt(r.p99Ms, ' ms')}`;
for (const [residents, { floor, durable, tingmin }] of results) {
  const ratio = tingmin.turnsPerSecond / floor.turnsPerSecond;
  const p99Target = Number(residents) <= 50 ? 50 : 500;
  rows.push([`bare Fastify + Redis GET/SET, ${residents} residents`, speed(floor), '', '']);
  rows.push([
    `durable floor (Tingmin's lock, message log and mailbox, nothing else), ${residents} residents`,
    `${speed(durable)}; ratio to the baseline ${(durable.turnsPerSecond / floor.turnsPerSecond).toFixed(2)}${durable.errors ? `, ${durable.errors} errors` : ''}`,
    '',
    '',
  ]);
  rows.push([
    `Tingmin \`npm start\`, ${residents} residents`,
    `${speed(tingmin)}; ${tingmin.reports} reports, ${tingmin.errors} errors, ${tingmin.derailed} derailed`,
    `p99 ≤ ${p99Target} ms`,
    verdict(tingmin.p99Ms !== null && tingmin.p99Ms <= p99Target && tingmin.errors === 0 && tingmin.derailed === 0),
  ]);
  rows.push([`**turns: ratio to the baseline, ${residents} residents**`, `**${ratio.toFixed(3)}**`, '≥ 0.30', verdict(ratio >= 0.3)]);
  // The ceiling: at 0.30 of the baseline's rate, the machine's cores give each turn at most this much CPU.
  const ceiling = (cpus().length * 1000) / (0.3 * floor.turnsPerSecond);
  rows.push([
    `CPU per turn, ${residents} residents`,
    `baseline ${cpuText(floor.cpu)}; durable floor ${cpuText(durable.cpu)}; Tingmin ${cpuText(tingmin.cpu)}`,
    `at ratio 0.30, ≤ ${ms(ceiling)} (${cpus().length} cores)`,
    verdict(tingmin.cpu.total <= ceiling),
  ]);
  rows.push([
    `case number reaches the page after confirming, ${residents} residents`,
    `p50 ${fmt(tingmin.notifyP50Ms, ' ms')}, p99 ${fmt(tingmin.notifyP99Ms, ' ms')}; ${tingmin.notified} of ${tingmin.reports} arrived`,
    'p99 ≤ 1,000 ms, all arrive',
    verdict(tingmin.notifyP99Ms !== null && tingmin.notifyP99Ms <= 1000 && tingmin.notified === tingmin.reports),
  ]);
}


const perDialogue = memory.dialogues ? memory.bytes / memory.dialogues : 0;
rows.push([
  'Redis bytes per live dialogue (all dialogue keys ÷ sessions)',
  `${fmt(perDialogue, ' B')} (${memory.dialogues.toLocaleString('en-US')} dialogues); 10,000 dialogues ≈ ${(perDialogue * 10_000 / MB).toFixed(1)} MB`,
  '≤ 50 MB for 10,000',
  verdict(memory.dialogues > 0 && perDialogue * 10_000 <= 50 * MB),
]);
rows.push(['bot process (`npm start`), largest RSS', `${(rss / MB).toFixed(0)} MB`, '≤ 300 MB', verdict(rss > 0 && rss <= 300 * MB)]);
rows.push(['message log: inbound messages stored', `${logged.inbound.toLocaleString('en-US')}`, '= turns answered', '']);
rows.push(['confirmed reports → cases made by the end of the run', `${logged.submissions.toLocaleString('en-US')} → ${logged.cases.toLocaleString('en-US')}`, '', '']);
for (const workers of [1, 2]) {
  const r = intake.find((i) => i.workers === workers && !i.rate);
  rows.push([
    `intake drain of 10,000 submissions, ${workers} worker process${workers > 1 ? 'es' : ''}`,
    r ? `${fmt(r.casesPerSecond)} cases/s (${r.seconds} s), notification lag p99 ${fmt(r.notifyLagP99Ms, ' ms')}` : 'not measured (BENCH_INTAKE=0)',
    workers === 1 ? '≥ 1,000 cases/s' : '',
    verdict(r && workers === 1 ? r.casesPerSecond >= 1000 : undefined),
  ]);
}
const paced = intake.find((i) => i.rate);
rows.push([
  'case-number message recorded and queued after confirming, 10,000 reports at 1,000/s, 1 worker process',
  paced ? `p99 ${fmt(paced.confirmToMessageP99Ms, ' ms')}; reports actually confirmed at ${fmt(paced.filedPerSecond)}/s` : 'not measured (BENCH_INTAKE=0)',
  'p99 ≤ 1,000 ms',
  verdict(paced ? paced.confirmToMessageP99Ms! <= 1000 : undefined),
]);
const table = ['| measure | figure | target | met |', '| --- | --- | --- | --- |', ...rows.map((r) => `| ${r.join(' | ')} |`)].join('\n');
console.log(table);
if (process.env.BENCH_WRITE === '0') process.exit(0);

const sh = (cmd: string) => execFileSync('sh', ['-c', cmd], { encoding: 'utf8' }).trim();
const commit = sh(`git -C ${ROOT} rev-parse --short HEAD`) + (sh(`git -C ${ROOT} status --porcelain --untracked-files=no`) ? ' (with uncommitted changes)' : '');
const machine = `${cpus().length} logical CPUs (nproc ${sh('nproc')}), ${cpus()[0]?.model ?? 'unknown CPU'}, ${(totalmem() / 1024 ** 3).toFixed(0)} GiB RAM, Node ${process.version}, load average before the run ${sh('cut -d" " -f1-3 /proc/loadavg')}`;
writeFileSync(
  join(ROOT, 'BENCHMARKS.md'),
  `# Benchmarks

Written by \`npm run bench\` (test/bench/run.ts). The ratio to the baseline measured in the same run is
the headline: absolute figures move with the machine and whatever else runs on it.

${table}

- Machine: ${machine}.
- Code: ${commit}; ${sh('date -u +"%Y-%m-%d %H:%M UTC"')}; the run took ${Math.round((performance.now() - benchStarted) / 1000)} s, ${SECONDS} s per measurement.
- Texts: ${TEXTS.startsWith(ROOT) ? TEXTS.slice(ROOT.length) : 'the shared complaints-unlabelled.csv (real citizen messages)'}.

## How it was measured

- \`npm run bench\` runs \`tsx test/bench/run.ts\`. It creates its own database and Redis key prefix and removes both afterwards.
- System under test: \`npm run build\`, then \`NODE_ENV=production TRUST_PROXY=1 node ${[...nodeOptions, ''].join(' ')}dist/bot/main.js all\`, as \`npm start\` runs it
  (HTTP server, web chat and the workers in one process), default settings otherwise.
- Baseline: \`tsx test/bench/baseline.ts\`, a bare Fastify server whose two POST routes each do one Redis GET and SET.
- Durable floor: \`tsx test/bench/durable-floor.ts\` on a database and key prefix of its own: per message, Tingmin's own
  DeliveryGuard (rate limit, lock, state in one round trip), MessageLog (both messages and the state's copy in PostgreSQL
  before answering, grouped) with the state saved in Redis meanwhile, and Mailbox (the answer on the page); no dialogue,
  NLP, workers or HTTP hooks. It shows how close to the baseline a turn that keeps the guarantees can come here.
- Load: \`tsx test/bench/residents.ts --url <server> --residents N --seconds ${SECONDS} --texts <csv> [--baseline]\`, a process of its
  own. Each resident opens a web chat session and files a complete report (greeting → menu → a real citizen's message → topic →
  place unless the message named one → phone → confirm), then starts another; against the baseline the same requests are sent.
  Each resident sends from an address of its own (\`X-Forwarded-For\`), as behind a proxy. A turn is one \`POST /api/webchat/messages\`, with a \`messageId\` of its own as the page sends.
- Notification latency: from the time of the confirm turn's answer to the time of the message carrying the case number, both as
  the server stamped them in the page's mailbox (0 when the case number was there first); the page polls every 250 ms, reading on
  from the message before the confirm, as the web chat page does.
- Redis: \`MEMORY USAGE\` of every key under the run's prefix except the queues, divided by the number of dialogue sessions.
- CPU per turn: user and system time from \`/proc\` over each measurement, of the server under test, of every \`postgres\` process
  (with the backends that exited) and of \`redis-server\`, plus what the load generator reports of its own, divided by the turns.
  The ceiling is the machine's cores divided by 0.30 of the baseline's turns a second: a turn that costs more than that cannot
  reach the ratio here, however the work is arranged.
- RSS: the bot process's VmRSS, sampled every 200 ms during the measurements.
- Intake: \`NODE_ENV=production tsx test/bench/intake.ts --workers N --submissions 10000\` when that file exists; notification
  latency: the same with \`--workers 1 --rate 1000\` (reports confirmed at that rate while the worker runs; from the report's
  \`createdAt\` to its message's \`Delivery\` row, recorded and queued for the bot process to send).
`,
);
console.error(`written to BENCHMARKS.md; process logs in ${workDir}`);
