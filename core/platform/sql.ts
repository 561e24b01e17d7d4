import pg from 'pg';
import { pgConfig } from '../../prisma/pg-config.js';
import type { Logger } from './log.js';

/**
 * Plain `pg` beside Prisma, for the few hot paths that write or read many rows at once (intake,
 * notifications): one multi-row statement costs about what Prisma pays per row.
 */
export type Sql = pg.Pool;
export type Queryable = Pick<pg.PoolClient, 'query'>;

export function createSql(databaseUrl: string, log: Logger): Sql {
  const pool = new pg.Pool(pgConfig(databaseUrl, { max: 10 }));
  // An idle connection dropped by a database restart is replaced on the next query, not fatal.
  pool.on('error', (err) => log.warn({ err: err.message }, 'idle database connection lost'));
  return pool;
}

/** A value for a "timestamp(3)" column: Prisma keeps them as UTC without a zone. */
export function timestamp(at: Date): string {
  return at.toISOString().slice(0, 23);
}

/** Runs `work` in one transaction on one connection; rolled back on any error. */
export async function inTransaction<T>(sql: Sql, work: (client: pg.PoolClient) => Promise<T>): Promise<T> {
  const client = await sql.connect();
  // A checked-out client's 'error' (the server restarted mid-transaction) is not the pool's to
  // catch, and unheard it ends the process; the statement in flight fails with it anyway, and the
  // broken connection is thrown away instead of going back to the pool.
  let broken: Error | undefined;
  const lost = (err: Error) => (broken = err);
  client.on('error', lost);
  try {
    await client.query('BEGIN');
    const result = await work(client);
    await client.query('COMMIT');
    return result;
  } catch (err) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw err;
  } finally {
    client.off('error', lost);
    client.release(broken);
  }
}

/** True for PostgreSQL's unique violation (another writer got there first). */
export function isUniqueViolation(err: unknown): boolean {
  return (err as { code?: unknown })?.code === '23505';
}
