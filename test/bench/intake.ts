/**
 * Intake drain: how fast a backlog of confirmed reports becomes routed cases whose resident
 * message is recorded, with N real worker processes on this machine.
 *
 *   NODE_ENV=production tsx test/bench/intake.ts --workers 1 --submissions 10000 [--cpu-prof DIR]
 *   NODE_ENV=production tsx test/bench/intake.ts --workers 1 --submissions 10000 --rate 1000
 *
 * With --rate, there is no backlog: the workers run while residents confirm reports at that rate
 * (as far as this process manages to file them), and the figure is the time from each
 * confirmation (the report's createdAt) to its resident message being recorded and queued on the
 * channel's outbound queue (the Delivery row's createdAt; the bot process then sends it).
 *
 * Uses a fresh database and Redis prefix of its own (removed afterwards). Files the backlog
 * through the outbox (core/outbox.ts) with the intake queue paused, with real texts
 * (../shared/data/complaints-unlabelled.csv when it exists, else the project's corpus), starts
 * the worker processes, waits until they are all listening, resumes the queue and counts a case
 * when it is routed (a department holds it, or it follows one as a duplicate) and a resident
 * message is recorded for it. Prints one JSON line on stdout; progress goes to stderr.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import pg from 'pg';
import { screen } from '../../core/cases/screening.js';
import { fileReport } from '../../core/outbox.js';
import { loadConfig } from '../../core/platform/config.js';
import { createLogger } from '../../core/platform/log.js';
import { createServices } from '../../core/platform/services.js';
import { parseCsv } from '../../nlp-models/data/csv.js';
import { pgConfig } from '../../prisma/pg-config.js';
import { seedIfEmpty } from '../../prisma/seed.js';
import { ensureDatabase, migrate } from '../../prisma/setup.js';

const { values: args } = parseArgs({ options: { workers: { type: 'string', default: '1' }, submissions: { type: 'string', default: '10000' }, timeout: { type: 'string', default: '600' }, 'cpu-prof': { type: 'string' }, rate: { type: 'string' } } });
const WORKERS = Number(args.workers);
const SUBMISSIONS = Number(args.submissions);
const TIMEOUT_MS = Number(args.timeout) * 1000;
const RATE = args.rate ? Number(args.rate) : undefined;
const progress = (text: string) => process.stderr.write(`[bench:intake] ${text}\n`);

/** Texts residents wrote: the shared citizen messages when present, else the project's corpus (never copied into the repository). */
function residentTexts(minDetailChars: number): string[] {
  const shared = fileURLToPath(new URL('../../../shared/data/complaints-unlabelled.csv', import.meta.url));
  const path = existsSync(shared) ? shared : fileURLToPath(new URL('../../nlp-models/corpus/topics.csv', import.meta.url));
  const [header, ...records] = parseCsv(readFileSync(path, 'utf8'));
  const title = header!.indexOf('title');
  const detail = header!.indexOf('detail');
  const texts = records
    .map((r) => [r[title] ?? '', r[detail] ?? ''].filter(Boolean).join('：').slice(0, 500))
    // Only reports the screening accepts: each is to become a routed case.
    .filter((text) => screen({ description: text, regionCode: '630102', placeText: null }, minDetailChars).verdict === 'accept');
  progress(`${texts.length} texts from ${path}`);
  return texts;
}

const run = randomBytes(3).toString('hex');
const base = loadConfig();
const url = new URL(base.DATABASE_URL);
const database = `tingmin_bench_intake_${run}`;
url.pathname = `/${database}`;
const env = { ...process.env, DATABASE_URL: url.toString(), REDIS_PREFIX: `tmbench_intake_${run}`, LOG_LEVEL: 'warn', RECONCILE_INTERVAL_MS: '3600000' };
const config = loadConfig(env);
await ensureDatabase(config.DATABASE_URL);
await migrate(config.DATABASE_URL);
const services = await createServices(config, createLogger('silent'));
const { db, sql, queues } = services;
await seedIfEmpty(db);
const children: ChildProcess[] = [];

try {
  const texts = residentTexts(config.SCREEN_MIN_DETAIL_CHARS);
  const regions = (await db.region.findMany({ where: { level: 'county' }, select: { code: true, name: true } }));
  const topics = (await db.topic.findMany({ where: { parentId: null }, select: { name: true } })).map((t) => t.name);
  const residents = Array.from({ length: SUBMISSIONS }, (_, i) => ({ id: randomUUID(), channel: 'webchat' as const, externalId: `bench_${run}_${i}` }));
  const conversations = residents.map((r) => ({ id: randomUUID(), residentId: r.id }));
  for (let i = 0; i < SUBMISSIONS; i += 5000) {
    await db.resident.createMany({ data: residents.slice(i, i + 5000) });
    await db.conversation.createMany({ data: conversations.slice(i, i + 5000) });
  }

  /** The i-th resident confirms a report: through the outbox, as the dialogue files it. */
  const file = async (i: number) => {
    const region = regions[i % regions.length]!;
    await fileReport(services, {
      submission: {
        residentId: residents[i]!.id,
        conversationId: conversations[i]!.id,
        channel: 'webchat',
        language: 'zh',
        description: texts[i % texts.length]!,
        topic: topics[Math.floor(i / regions.length) % topics.length]!,
        topicConfidence: 0.9,
        regionCode: region.code,
        placeText: region.name,
        draftId: `bench-${run}-${i}`,
      },
    });
  };
  /** Files all reports, `rate` a second at most (none: as fast as it goes). */
  const fileAll = async (rate?: number) => {
    const started = performance.now();
    let next = 0;
    await Promise.all(
      // Fewer than the connection pool holds: each filing is an interactive transaction.
      Array.from({ length: 8 }, async () => {
        while (next < SUBMISSIONS) {
          const i = next++;
          const due = rate ? started + (i * 1000) / rate - performance.now() : 0;
          if (due > 0) await new Promise((r) => setTimeout(r, due));
          await file(i);
        }
      }),
    );
    const seconds = (performance.now() - started) / 1000;
    progress(`filed ${SUBMISSIONS} reports in ${seconds.toFixed(1)} s`);
    return seconds;
  };
  const startWorkerProcesses = async () => {
    const main = fileURLToPath(new URL('../../bot/main.ts', import.meta.url));
    for (let i = 0; i < WORKERS; i++) {
      // --cpu-prof DIR: a V8 CPU profile of each worker process, written there when it exits.
      const profile = args['cpu-prof'] ? ['--cpu-prof', '--cpu-prof-dir', args['cpu-prof']] : [];
      const child = spawn(process.execPath, [...profile, '--import', 'tsx', main, 'workers'], { env, stdio: ['ignore', 'ignore', 'inherit'] });
      children.push(child);
    }
    // Ready when every process listens on the intake and notify queues.
    for (const end = Date.now() + 120_000; ; ) {
      const [intake, notify] = await Promise.all([queues.intake.getWorkersCount(), queues.notify.getWorkersCount()]);
      if (intake >= WORKERS && notify >= WORKERS) break;
      if (Date.now() > end) throw new Error('the worker processes did not start');
      await new Promise((r) => setTimeout(r, 100));
    }
  };

  let filingSeconds: number | undefined;
  if (RATE) {
    // Residents confirming at RATE a second while the workers run.
    await startWorkerProcesses();
  } else {
    // The backlog: confirmed reports filed through the outbox while no worker takes them.
    await queues.intake.pause();
    await fileAll();
    progress(`starting ${WORKERS} worker process(es)`);
    await startWorkerProcesses();
  }
  const startedAt = Date.now();
  if (RATE) filingSeconds = await fileAll(RATE);
  else await queues.intake.resume();

  const counted = async () => {
    const { rows } = await sql.query<{ n: string }>(
      `SELECT count(*) AS n FROM "Case" c
       WHERE c."departmentId" IS NOT NULL
         AND EXISTS (SELECT 1 FROM "CaseEvent" e JOIN "Delivery" d ON d."key" = 'event-' || e."id" WHERE e."caseId" = c."id")`,
    );
    return Number(rows[0]!.n);
  };
  let done = 0;
  for (let last = 0; ; ) {
    done = await counted();
    if (done >= SUBMISSIONS || Date.now() - startedAt > TIMEOUT_MS) break;
    if (done - last >= 1000 || done === 0) progress(`${done} cases routed and notified after ${((Date.now() - startedAt) / 1000).toFixed(1)} s`);
    last = done - (done % 1000);
    await new Promise((r) => setTimeout(r, 100));
  }
  // The drain ends with the last message recorded (both clocks are this machine's).
  const { rows: [figures] } = await sql.query<{ lastMs: number; lagP99: number; confirmP50: number; confirmP99: number; cases: string; submissionsWithCase: string; tooManyMessages: string }>(
    `WITH told AS (
       SELECT c."id", count(d."key") AS messages, min(d."createdAt") AS "firstTold", c."createdAt", s."createdAt" AS "confirmedAt"
       FROM "Case" c JOIN "Submission" s ON s."id" = c."submissionId" JOIN "CaseEvent" e ON e."caseId" = c."id" JOIN "Delivery" d ON d."key" = 'event-' || e."id"
       GROUP BY c."id", s."createdAt")
     SELECT extract(epoch FROM (SELECT max("firstTold") FROM told)) * 1000 AS "lastMs",
            (SELECT percentile_cont(0.99) WITHIN GROUP (ORDER BY extract(epoch FROM "firstTold" - "createdAt") * 1000) FROM told) AS "lagP99",
            (SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM "firstTold" - "confirmedAt") * 1000) FROM told) AS "confirmP50",
            (SELECT percentile_cont(0.99) WITHIN GROUP (ORDER BY extract(epoch FROM "firstTold" - "confirmedAt") * 1000) FROM told) AS "confirmP99",
            (SELECT count(*) FROM "Case") AS cases,
            (SELECT count(DISTINCT "submissionId") FROM "Case") AS "submissionsWithCase",
            (SELECT count(*) FROM told WHERE messages > 1) AS "tooManyMessages"`,
  );
  const deliveries = Number((await sql.query<{ n: string }>(`SELECT count(*) AS n FROM "Delivery"`)).rows[0]!.n);
  const outbound = await services.outbound.webchat.getJobCounts('waiting', 'active', 'completed', 'failed', 'delayed', 'prioritized');
  const outboundJobs = Object.values(outbound).reduce((a, b) => a + b, 0);
  const seconds = (Number(figures!.lastMs) - startedAt) / 1000;
  console.log(
    JSON.stringify({
      workers: WORKERS,
      submissions: SUBMISSIONS,
      seconds: Math.round(seconds * 100) / 100,
      casesPerSecond: Math.round(done / seconds),
      notified: done,
      notifyLagP99Ms: Math.round(Number(figures!.lagP99)),
      // With --rate: how fast the reports were actually confirmed, and confirmation → message recorded and queued.
      ...(RATE
        ? { rate: RATE, filedPerSecond: Math.round(SUBMISSIONS / filingSeconds!), confirmToMessageP50Ms: Math.round(Number(figures!.confirmP50)), confirmToMessageP99Ms: Math.round(Number(figures!.confirmP99)) }
        : {}),
      lost: SUBMISSIONS - done,
      duplicateCases: Number(figures!.cases) - Number(figures!.submissionsWithCase),
      // More than one message for a case, or more outbound jobs than recorded messages.
      duplicateNotifications: Number(figures!.tooManyMessages) + Math.max(0, outboundJobs - deliveries),
    }),
  );
} finally {
  await Promise.all(children.map((c) => new Promise((r) => (c.exitCode !== null ? r(null) : (c.once('exit', r), c.kill('SIGTERM'))))));
  for await (const keys of services.redis.scanIterator({ MATCH: `${config.REDIS_PREFIX}*`, COUNT: 1000 })) if (keys.length) await services.redis.del(keys);
  await services.close();
  const admin = new pg.Client({ ...pgConfig(config.DATABASE_URL), database: 'postgres' });
  await admin.connect();
  await admin.query(`DROP DATABASE IF EXISTS "${database}" WITH (FORCE)`);
  await admin.end();
}
