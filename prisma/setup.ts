import { execFile } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import pg from 'pg';
import { pgConfig } from './pg-config.js';

/** The folder holding package.json and prisma.config.ts, from source or from dist/. */
export function projectRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'prisma.config.ts'))) {
    const parent = dirname(dir);
    if (parent === dir) throw new Error('prisma.config.ts not found above ' + fileURLToPath(import.meta.url));
    dir = parent;
  }
  return dir;
}

/** Creates the database named in the URL when it does not exist yet. */
export async function ensureDatabase(databaseUrl: string): Promise<void> {
  const config = pgConfig(databaseUrl);
  const name = config.database!;
  const admin = new pg.Client({ ...config, database: 'postgres' });
  await admin.connect();
  try {
    const { rowCount } = await admin.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
    if (!rowCount) {
      await admin.query(`CREATE DATABASE "${name.replaceAll('"', '""')}"`).catch((err: { code?: string }) => {
        // Another process created it at the same moment.
        if (err.code !== '42P04') throw err;
      });
    }
  } finally {
    await admin.end();
  }
}

/** Applies the checked-in migrations (idempotent; Prisma takes an advisory lock). */
export async function migrate(databaseUrl: string): Promise<void> {
  const cli = createRequire(import.meta.url).resolve('prisma/build/index.js');
  await promisify(execFile)(process.execPath, [cli, 'migrate', 'deploy'], {
    cwd: projectRoot(),
    env: { ...process.env, DATABASE_URL: databaseUrl },
  });
}

/**
 * The checked-in migrations the database has not applied, oldest first: a process that does not
 * migrate (modes bot and workers) refuses to run on an outdated schema.
 */
export async function pendingMigrations(databaseUrl: string): Promise<string[]> {
  const dir = join(projectRoot(), 'prisma', 'migrations');
  const known = readdirSync(dir, { withFileTypes: true }).filter((d) => d.isDirectory()).map((d) => d.name).sort();
  const client = new pg.Client(pgConfig(databaseUrl));
  await client.connect();
  try {
    const { rows } = await client.query<{ migration_name: string }>(
      'SELECT migration_name FROM _prisma_migrations WHERE finished_at IS NOT NULL AND rolled_back_at IS NULL',
    );
    const applied = new Set(rows.map((r) => r.migration_name));
    return known.filter((name) => !applied.has(name));
  } catch (err) {
    // No migration table: nothing was ever applied.
    if ((err as { code?: string }).code === '42P01') return known;
    throw err;
  } finally {
    await client.end();
  }
}
