/**
 * `npm run bench`: chat turns per second through the web chat API, against a baseline measured
 * in the same run on the same machine — a bare Fastify route doing one Redis GET and SET, the
 * floor any Redis-backed turn pays. Uses its own database and Redis prefix, removed afterwards.
 * The load generator runs in this process; figures are relative, not absolute capacity.
 */
import { randomBytes } from 'node:crypto';
import Fastify from 'fastify';
import pg from 'pg';
import { buildServer } from '../../bot/http/server.js';
import { loadConfig } from '../../core/platform/config.js';
import { createLogger } from '../../core/platform/log.js';
import { createServices } from '../../core/platform/services.js';
import { createBotRuntime } from '../../bot/runtime.js';
import { pgConfig } from '../../prisma/pg-config.js';
import { seedIfEmpty } from '../../prisma/seed.js';
import { ensureDatabase, migrate } from '../../prisma/setup.js';

const REQUESTS = Number(process.env.BENCH_REQUESTS ?? 3000);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 32);

type Figures = { perSecond: number; p50: number; p99: number; errors: number };

async function load(url: string, body: (i: number) => unknown, headers: (i: number) => Record<string, string> = () => ({})): Promise<Figures> {
  const latencies: number[] = [];
  let next = 0;
  let errors = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (next < REQUESTS) {
        const i = next++;
        const t0 = performance.now();
        const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers(i) }, body: JSON.stringify(body(i)) });
        await res.arrayBuffer();
        if (res.status !== 200) errors++;
        latencies.push(performance.now() - t0);
      }
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  latencies.sort((a, b) => a - b);
  const at = (q: number) => latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))]!;
  return { perSecond: REQUESTS / seconds, p50: at(0.5), p99: at(0.99), errors };
}

const run = randomBytes(3).toString('hex');
const base = loadConfig();
const url = new URL(base.DATABASE_URL);
url.pathname = `/tingmin_bench_${run}`;
const config = loadConfig({ ...process.env, DATABASE_URL: url.toString(), REDIS_PREFIX: `tmbench_${run}`, LOG_LEVEL: 'silent', RATE_LIMIT_MESSAGES: '1000000', RATE_LIMIT_IP_MESSAGES: '1000000' });
await ensureDatabase(config.DATABASE_URL);
await migrate(config.DATABASE_URL);
const services = await createServices(config, createLogger('silent'));
await seedIfEmpty(services.db);
const runtime = await createBotRuntime(services);
const app = await buildServer(services, runtime);
const baseline = Fastify();
baseline.post('/', async () => {
  const key = `${config.REDIS_PREFIX}:baseline`;
  await services.redis.get(key);
  await services.redis.set(key, 'x', { EX: 60 });
  return { replies: [] };
});
const appAddress = await app.listen({ host: '127.0.0.1', port: 0 });
const baseAddress = await baseline.listen({ host: '127.0.0.1', port: 0 });

try {
  // Each resident is a session the server issued; its token is sent as a bearer token.
  const users: Record<string, string>[] = [];
  for (let i = 0; i < CONCURRENCY * 4; i++) {
    const { token } = (await (await fetch(`${appAddress}/api/webchat/sessions`, { method: 'POST' })).json()) as { token: string };
    users.push({ authorization: `Bearer ${token}` });
  }
  const as = (i: number) => users[i % users.length]!;
  // Warm up connections and JIT, and open each resident's conversation.
  for (const auth of users) await fetch(`${appAddress}/api/webchat/messages`, { method: 'POST', headers: { 'content-type': 'application/json', ...auth }, body: JSON.stringify({ text: '你好' }) });

  const floor = await load(`${baseAddress}/`, () => ({}));
  const greet = await load(`${appAddress}/api/webchat/messages`, () => ({ text: '你好' }), as);
  const describe = await load(`${appAddress}/api/webchat/messages`, (i) => ({
    text: i % 2 ? '城东区八一路小区门口路面塌陷了一个星期没人管，晚上很危险' : '取消',
  }), as);
  const row = (name: string, f: Figures) =>
    `${name.padEnd(44)} ${f.perSecond.toFixed(0).padStart(7)}/s   p50 ${f.p50.toFixed(1).padStart(6)} ms   p99 ${f.p99.toFixed(1).padStart(6)} ms   errors ${f.errors}`;
  console.log(`${REQUESTS} requests, ${CONCURRENCY} in flight, ${users.length} residents`);
  console.log(row('baseline: Fastify + Redis GET/SET', floor));
  console.log(row('turn: greeting → menu', greet));
  console.log(row('turn: description → topic (classifier) / cancel', describe));
  if (greet.errors + describe.errors > 0) {
    console.log('WARNING: some requests failed; the figures above are not comparable');
    process.exitCode = 1;
  }
  console.log(`greeting turn costs ${(floor.perSecond / greet.perSecond).toFixed(1)}× the baseline; classified turn ${(floor.perSecond / describe.perSecond).toFixed(1)}×`);
} finally {
  await app.close();
  await baseline.close();
  await runtime.close();
  for await (const keys of services.redis.scanIterator({ MATCH: `${config.REDIS_PREFIX}*`, COUNT: 1000 })) if (keys.length) await services.redis.del(keys);
  await services.close();
  const admin = new pg.Client({ ...pgConfig(config.DATABASE_URL), database: 'postgres' });
  await admin.connect();
  await admin.query(`DROP DATABASE IF EXISTS "tingmin_bench_${run}" WITH (FORCE)`);
  await admin.end();
}
