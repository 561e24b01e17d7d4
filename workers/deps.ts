import type { Queue } from 'bullmq';
import type { Clock } from '../core/platform/clock.js';
import type { Config } from '../core/platform/config.js';
import type { Channel, Db } from '../core/platform/db.js';
import type { Logger } from '../core/platform/log.js';
import type { Metrics } from '../core/platform/metrics.js';
import type { AppRedis } from '../core/platform/redis.js';
import type { Sql } from '../core/platform/sql.js';
import type { OutboundJob, Queues } from '../core/queues.js';

export interface WorkerDeps {
  config: Config;
  log: Logger;
  db: Db;
  sql: Sql;
  queues: Queues;
  outbound: Record<Channel, Queue<OutboundJob>>;
  /** The application's Redis (not the queues'): the handoff gates. */
  redis: AppRedis;
  now: Clock;
  metrics: Metrics;
}
