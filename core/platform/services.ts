import type { Queue } from 'bullmq';
import type { Redis as IORedis } from 'ioredis';
import { closeQueues, createOutboundQueue, createQueues, type OutboundJob, type Queues } from '../queues.js';
import { systemClock, type Clock } from './clock.js';
import type { Config } from './config.js';
import { createDb, type Channel, type Db } from './db.js';
import { collectBacklog } from '../metrics.js';
import { Metrics } from './metrics.js';
import type { Logger } from './log.js';
import { connectAppRedis, createQueueConnection, type AppRedis } from './redis.js';
import { createSql, type Sql } from './sql.js';

/** The connections every process holds: PostgreSQL, Redis for the app, Redis for the queues. */
export interface Services {
  config: Config;
  log: Logger;
  db: Db;
  /** Plain pg for multi-row statements on hot paths (sql.ts). */
  sql: Sql;
  redis: AppRedis;
  queueConnection: IORedis;
  queues: Queues;
  outbound: Record<Channel, Queue<OutboundJob>>;
  /** The time of day everything follows (see clock.ts). */
  now: Clock;
  /** What Prometheus reads at /metrics. */
  metrics: Metrics;
  close(): Promise<void>;
}

const CHANNELS: Channel[] = ['webchat', 'wechat', 'telegram', 'wechat_mp'];

export async function createServices(config: Config, log: Logger, now: Clock = systemClock): Promise<Services> {
  const db = createDb(config.DATABASE_URL, config.DATABASE_POOL_SIZE);
  const sql = createSql(config.DATABASE_URL, log, config.DATABASE_POOL_SIZE);
  const redis = await connectAppRedis(config.REDIS_URL, log);
  const queueConnection = createQueueConnection(config.REDIS_URL, log);
  const queues = createQueues(queueConnection, config.REDIS_PREFIX, log);
  const outbound = Object.fromEntries(
    CHANNELS.map((c) => [c, createOutboundQueue(queueConnection, config.REDIS_PREFIX, c, log)]),
  ) as Record<Channel, Queue<OutboundJob>>;
  const metrics = new Metrics();
  collectBacklog(metrics, { db, queues: [...Object.values(queues), ...Object.values(outbound)] as Queue[] });
  // Statements waiting for a connection are the first sign that DATABASE_POOL_SIZE is too small.
  metrics.gaugeOnScrape('tingmin_db_pool_connections', "The plain pg pool (turns, filing, intake, deliveries): connections open, idle, and statements waiting for one", ['state'], async (gauge) => {
    gauge.set({ state: 'open' }, sql.totalCount);
    gauge.set({ state: 'idle' }, sql.idleCount);
    gauge.set({ state: 'waiting' }, sql.waitingCount);
  });
  return {
    config,
    log,
    db,
    sql,
    redis,
    queueConnection,
    queues,
    outbound,
    now,
    metrics,
    async close() {
      await closeQueues(queues);
      await Promise.all(Object.values(outbound).map((q) => q.close()));
      await queueConnection.quit();
      await redis.quit();
      await db.$disconnect();
      await sql.end();
    },
  };
}

/**
 * True when PostgreSQL and Redis both answer within `timeoutMs`: a service that is down may never
 * answer, and a load balancer's check must not wait for it.
 */
export async function servicesReady(services: Services, timeoutMs = 800): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<false>((resolve) => (timer = setTimeout(() => resolve(false), timeoutMs)));
  const pings = Promise.all([services.db.$queryRaw`SELECT 1`, services.redis.ping()]).then(
    () => true,
    () => false,
  );
  try {
    return await Promise.race([pings, late]);
  } finally {
    clearTimeout(timer);
  }
}
