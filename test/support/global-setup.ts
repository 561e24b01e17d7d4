import { randomBytes } from 'node:crypto';
import type { TestProject } from 'vitest/node';
import { createClient } from 'redis';
import pg from 'pg';
import { loadConfig } from '../../core/platform/config.js';
import { createDb } from '../../core/platform/db.js';
import { ensureDatabase, migrate } from '../../prisma/setup.js';
import { seedIfEmpty } from '../../prisma/seed.js';
import { pgConfig } from '../../prisma/pg-config.js';

declare module 'vitest' {
  export interface ProvidedContext {
    databaseUrl: string;
    redisPrefix: string;
  }
}

/**
 * A migrated, seeded template database and a Redis key prefix for this test run, on the real
 * PostgreSQL and Redis (DATABASE_URL / REDIS_URL, or their defaults). Each test file clones the
 * template into a database of its own; everything is removed afterwards.
 */
export default async function setup(project: TestProject) {
  // vitest.config.ts has two projects, and each calls its global setup: both share one run.
  const shared = globalThis as { tingminTestRun?: ReturnType<typeof prepare>; tingminTestUsers?: number };
  shared.tingminTestRun ??= prepare();
  shared.tingminTestUsers = (shared.tingminTestUsers ?? 0) + 1;
  const { databaseUrl, redisPrefix, teardown } = await shared.tingminTestRun;
  project.provide('databaseUrl', databaseUrl);
  project.provide('redisPrefix', redisPrefix);
  return async () => {
    shared.tingminTestUsers! -= 1;
    if (shared.tingminTestUsers === 0) await teardown();
  };
}

async function prepare() {
  const base = loadConfig();
  const run = `${Date.now().toString(36)}${randomBytes(3).toString('hex')}`;
  const url = new URL(base.DATABASE_URL);
  url.pathname = `/tingmin_test_${run}`;
  const databaseUrl = url.toString();
  const redisPrefix = `tmtest_${run}`;

  await ensureDatabase(databaseUrl);
  await migrate(databaseUrl);
  const db = createDb(databaseUrl);
  await seedIfEmpty(db);
  await db.$disconnect();

  const teardown = async () => {
    const admin = new pg.Client({ ...pgConfig(databaseUrl), database: 'postgres' });
    await admin.connect();
    const { rows } = await admin.query<{ datname: string }>('SELECT datname FROM pg_database WHERE datname LIKE $1', [`tingmin_test_${run}%`]);
    for (const { datname } of rows) await admin.query(`DROP DATABASE IF EXISTS "${datname}" WITH (FORCE)`);
    await admin.end();
    const redis = createClient({ url: base.REDIS_URL });
    await redis.connect();
    for await (const keys of redis.scanIterator({ MATCH: `${redisPrefix}*`, COUNT: 1000 })) {
      if (keys.length) await redis.del(keys);
    }
    await redis.quit();
  };
  return { databaseUrl, redisPrefix, teardown };
}
