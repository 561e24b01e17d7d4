import type { PoolConfig } from 'pg';

/** Discrete pg settings from a URL: PrismaPg is more reliable with fields than with a connection string. */
export function pgConfig(databaseUrl: string, extra: PoolConfig = {}): PoolConfig {
  const url = new URL(databaseUrl);
  const schema = url.searchParams.get('schema');
  return {
    host: url.hostname,
    port: url.port ? Number(url.port) : 5432,
    user: decodeURIComponent(url.username) || undefined,
    password: url.password ? decodeURIComponent(url.password) : undefined,
    database: url.pathname.replace(/^\//, '') || undefined,
    ...(schema ? { options: `-c search_path=${schema}` } : {}),
    ...extra,
  };
}
