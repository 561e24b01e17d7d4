import pg from 'pg';
import { pgConfig } from '../../prisma/pg-config.js';
import type { Channel } from './db.js';
import type { Logger } from './log.js';

/**
 * Plain `pg` beside Prisma, for the few hot paths that write or read many rows at once (intake,
 * notifications): one multi-row statement costs about what Prisma pays per row.
 */
export type Sql = pg.Pool;
export type Queryable = Pick<pg.PoolClient, 'query'>;

export function createSql(databaseUrl: string, log: Logger, poolSize = 10): Sql {
  const pool = new pg.Pool(pgConfig(databaseUrl, { max: poolSize }));
  // An idle connection dropped by a database restart is replaced on the next query, not fatal.
  pool.on('error', (err) => log.warn({ err: err.message }, 'idle database connection lost'));
  return pool;
}

/** A value for a "timestamp(3)" column: Prisma keeps them as UTC without a zone. */
export function timestamp(at: Date): string {
  return at.toISOString().slice(0, 23);
}

/**
 * INSERT … SELECT FROM unnest(…): any number of rows in one statement, one array parameter per
 * column (`columns` maps each to its PostgreSQL type); the `stamps` columns all get `at`.
 */
export function insertRows<C extends Record<string, string>>(table: string, columns: C, rows: Record<keyof C, unknown>[], stamps: string[] = [], at?: Date): Statement {
  const names = Object.keys(columns);
  const params: unknown[] = names.map((n) => rows.map((r) => r[n]));
  const unnest = names.map((n, i) => `$${i + 1}::${columns[n]}[]`).join(', ');
  // Only when stamped: a parameter no column uses has no type PostgreSQL can determine.
  if (stamps.length) params.push(timestamp(at!));
  const cols = [...names, ...stamps].map((n) => `"${n}"`).join(', ');
  const values = [...names.map((n) => `u."${n}"`), ...stamps.map(() => `$${names.length + 1}::timestamp`)].join(', ');
  return { text: `INSERT INTO "${table}" (${cols}) SELECT ${values} FROM unnest(${unnest}) AS u(${names.map((n) => `"${n}"`).join(', ')})`, values: params };
}

export type Statement = { text: string; values: unknown[] };

/**
 * Several statements as one round trip: all but the last become data-modifying CTEs (their
 * placeholders renumbered). Foreign keys are checked at the end, so parents and children may go
 * together.
 */
export function oneStatement(statements: Statement[]): Statement {
  const values: unknown[] = [];
  const texts = statements.map((s) => {
    const offset = values.length;
    values.push(...s.values);
    return s.text.replace(/\$(\d+)/g, (_, n: string) => `$${Number(n) + offset}`);
  });
  const last = texts.pop()!;
  return { text: texts.length ? `WITH ${texts.map((t, i) => `s${i} AS (${t})`).join(', ')} ${last}` : last, values };
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

/**
 * A channel as PostgreSQL spells it: the Prisma enum maps wechat_mp to "wechat-mp" (a Prisma name
 * cannot hold '-'), and plain pg reads and writes the database's spelling.
 */
const STORED_CHANNEL: ReadonlyMap<Channel, string> = new Map([['wechat_mp', 'wechat-mp']]);
const CHANNEL_OF_STORED: ReadonlyMap<string, Channel> = new Map([...STORED_CHANNEL].map(([channel, stored]) => [stored, channel]));
export const storedChannel = (channel: Channel): string => STORED_CHANNEL.get(channel) ?? channel;
export const channelOfStored = (stored: string): Channel => CHANNEL_OF_STORED.get(stored) ?? (stored as Channel);
