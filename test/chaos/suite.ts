/**
 * The fault suite: the bot and two worker processes on a private PostgreSQL and Redis, residents
 * filing reports over HTTP, and one fault per scenario. After each scenario, without restarting
 * anything, every acknowledged report must have exactly one case, every resident must read
 * exactly one case-number message per report, and no answer may have been a 500.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { createDb } from '../../core/platform/db.js';
import { seedIfEmpty } from '../../prisma/seed.js';
import { ensureDatabase, migrate } from '../../prisma/setup.js';
import { announcedCases, Resident, type Tally } from './residents.js';
import { freePort, PrivatePostgres, PrivateRedis, sleep } from './services.js';

export type ChaosOptions = {
  residents: number;
  /** How long residents file reports in each scenario. */
  scenarioMs: number;
  /** How long after a scenario everything must be consistent again. */
  recoveryMs: number;
  log?: (line: string) => void;
};

const MAIN = fileURLToPath(new URL('../../bot/main.ts', import.meta.url));

/** One Tingmin process; its output must be JSON log lines only (no raw stack traces). */
class Proc {
  private child?: ChildProcess;
  readonly rawLines: string[] = [];
  private output = '';

  constructor(
    readonly mode: 'bot' | 'workers',
    private readonly env: Record<string, string>,
  ) {}

  async start(): Promise<void> {
    const child = spawn(process.execPath, ['--import', 'tsx', MAIN, this.mode], { env: { ...process.env, ...this.env }, stdio: ['ignore', 'pipe', 'pipe'] });
    this.child = child;
    this.output = '';
    const read = (chunk: Buffer) => {
      for (const line of chunk.toString().split('\n')) {
        if (!line.trim()) continue;
        this.output += line + '\n';
        try {
          JSON.parse(line);
        } catch {
          this.rawLines.push(line);
        }
      }
    };
    child.stdout!.on('data', read);
    child.stderr!.on('data', read);
    const started = this.mode === 'bot' ? '"msg":"bot listening"' : '"msg":"workers started"';
    const end = Date.now() + 60_000;
    while (!this.output.includes(started)) {
      if (child.exitCode !== null || Date.now() > end) throw new Error(`${this.mode} did not start:\n${this.output.slice(-3000)}`);
      await sleep(100);
    }
  }

  async kill(): Promise<void> {
    const child = this.child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const gone = new Promise((r) => child.once('exit', r));
    child.kill('SIGKILL');
    await gone;
  }

  get exitedOnItsOwn(): boolean {
    return this.child?.exitCode !== null && this.child?.signalCode === null;
  }
}

export async function runChaos(opts: ChaosOptions): Promise<{ problems: string[]; tally: Tally }> {
  const say = opts.log ?? (() => undefined);
  const problems: string[] = [];
  const tally: Tally = { requests: 0, unavailable: 0, refused: 0, failures: [], restarts: 0 };
  const postgres = await PrivatePostgres.start();
  const redis = await PrivateRedis.start();
  const dataDir = mkdtempSync(join(tmpdir(), 'tingmin-chaos-data-'));
  const procs: Proc[] = [];
  try {
    const databaseUrl = postgres.url('tingmin');
    await ensureDatabase(databaseUrl);
    await migrate(databaseUrl);
    const seedDb = createDb(databaseUrl);
    await seedIfEmpty(seedDb);
    await seedDb.$disconnect();
    say('private PostgreSQL and Redis up, database migrated');

    const port = await freePort();
    const env = {
      DATABASE_URL: databaseUrl,
      REDIS_URL: redis.url,
      REDIS_PREFIX: 'chaos',
      HOST: '127.0.0.1',
      PORT: String(port),
      LOG_LEVEL: 'info',
      NODE_ENV: 'production',
      DATA_DIR: dataDir,
      RATE_LIMIT_MESSAGES: '1000',
      RATE_LIMIT_IP_MESSAGES: '100000',
      // Recovery within seconds rather than minutes: what Redis lost is queued again from PostgreSQL.
      RECONCILE_INTERVAL_MS: '2000',
      RECONCILE_AFTER_MS: '3000',
      WORKER_LOCK_MS: '4000',
    };
    const bot = new Proc('bot', env);
    const workers = [new Proc('workers', env), new Proc('workers', env)];
    procs.push(bot, ...workers);
    await Promise.all(procs.map((p) => p.start()));
    say('bot and two workers started');
    const base = () => `http://127.0.0.1:${port}`;
    const residents: Resident[] = [];
    const db = new pg.Pool({ connectionString: databaseUrl, max: 2 });
    // The check may run while PostgreSQL restarts.
    db.on('error', () => undefined);

    const scenarios: { name: string; fault: (until: number) => Promise<void> }[] = [
      {
        name: 'workers killed (kill -9) in a loop',
        fault: async (until) => {
          for (let i = 0; Date.now() < until - 1500; i++) {
            await sleep(700);
            const victim = workers[i % 2]!;
            await victim.kill();
            await victim.start();
          }
        },
      },
      {
        name: 'Redis restarted empty, workers left running',
        fault: async (until) => {
          await sleep((until - Date.now()) / 3);
          await redis.kill();
          await sleep(1000);
          await redis.up();
        },
      },
      {
        name: 'PostgreSQL stopped and started',
        fault: async (until) => {
          await sleep((until - Date.now()) / 3);
          await postgres.stop();
          await sleep(2000);
          await postgres.up();
        },
      },
      {
        name: 'bot killed mid-turn and restarted',
        fault: async (until) => {
          await sleep((until - Date.now()) / 3);
          await bot.kill();
          await bot.start();
        },
      },
    ];

    for (const scenario of scenarios) {
      const until = Date.now() + opts.scenarioMs;
      const group = Array.from({ length: opts.residents }, () => new Resident(base, tally));
      residents.push(...group);
      say(`scenario: ${scenario.name}`);
      await Promise.all([scenario.fault(until), ...group.map((r) => r.fileReports(until))]);
      for (const p of procs) if (p.exitedOnItsOwn) problems.push(`${scenario.name}: the ${p.mode} process exited`);
      const found = await settled(residents, db, opts.recoveryMs);
      const acknowledged = group.reduce((n, r) => n + r.acknowledged, 0);
      // Without a report acknowledged the scenario checked nothing (the residents' script no longer fits the dialogue).
      if (acknowledged === 0) found.push('no report was acknowledged, so nothing was checked');
      say(`  ${acknowledged} reports acknowledged; ${found.length ? found.length + ' problems' : 'all consistent'}`);
      problems.push(...found.map((p) => `${scenario.name}: ${p}`));
      if (found.length) break;
    }
    await db.end();
    problems.push(...tally.failures);
    for (const p of procs) for (const line of p.rawLines.slice(0, 5)) problems.push(`${p.mode} wrote a non-JSON line: ${line.slice(0, 200)}`);
    return { problems, tally };
  } finally {
    await Promise.all(procs.map((p) => p.kill()));
    await redis.kill();
    await postgres.remove();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

/** Waits until every acknowledged report has one case and one case-number message; the problems left at the deadline. */
async function settled(residents: Resident[], db: pg.Pool, withinMs: number): Promise<string[]> {
  const end = Date.now() + withinMs;
  for (;;) {
    const problems = await check(residents, db).catch((err: Error) => [`check failed: ${err.message}`]);
    if (problems.length === 0 || Date.now() > end) return problems;
    await sleep(1000);
  }
}

/**
 * Each resident's reports as PostgreSQL holds them (found by the resident's token): at least one
 * per acknowledgement (none lost) and at most one more (a confirm still unanswered when the
 * scenario ended; more would be a duplicate), each with exactly one case, whose number the
 * resident was sent exactly once: read from the message log, since the page's mailbox keeps only
 * the latest 500 messages and a busy resident files more. The page must still answer.
 */
async function check(residents: Resident[], db: pg.Pool): Promise<string[]> {
  const problems: string[] = [];
  const { rows } = await db.query<{ tokenHash: string; submission: string; cases: string; number: string | null }>(
    `SELECT w."tokenHash", s."id" AS submission, count(c."id") AS cases, min(c."number") AS number
       FROM "WebchatSession" w JOIN "Submission" s ON s."residentId" = w."residentId"
       LEFT JOIN "Case" c ON c."submissionId" = s."id"
      WHERE w."tokenHash" = ANY($1) GROUP BY 1, 2`,
    [residents.flatMap((r) => r.tokenHash ?? [])],
  );
  const sent = await db.query<{ tokenHash: string; text: string }>(
    `SELECT w."tokenHash", m."text" FROM "WebchatSession" w JOIN "Conversation" c ON c."residentId" = w."residentId"
       JOIN "Message" m ON m."conversationId" = c."id"
      WHERE w."tokenHash" = ANY($1) AND m."direction" = 'outbound'`,
    [residents.flatMap((r) => r.tokenHash ?? [])],
  );
  for (const resident of residents) {
    const reports = rows.filter((r) => r.tokenHash === resident.tokenHash);
    if (reports.length < resident.acknowledged) problems.push(`${resident.userId}: ${resident.acknowledged} reports acknowledged, ${reports.length} stored`);
    if (reports.length > resident.acknowledged + 1) problems.push(`${resident.userId}: ${resident.acknowledged} reports acknowledged, ${reports.length} stored (duplicates)`);
    if (!reports.length) continue;
    const status = await resident.readPage();
    if (status !== 200) problems.push(`${resident.userId}: GET answered ${status}`);
    const announced = sent.rows.filter((m) => m.tokenHash === resident.tokenHash).flatMap((m) => announcedCases(m.text));
    for (const report of reports) {
      if (Number(report.cases) !== 1) problems.push(`${resident.userId}: submission ${report.submission} has ${report.cases} cases`);
      const seen = report.number ? announced.filter((n) => n === report.number).length : 0;
      if (report.number && seen !== 1) problems.push(`${resident.userId}: case ${report.number} announced ${seen} times`);
    }
  }
  return problems;
}
