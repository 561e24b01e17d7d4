import type { Queue } from 'bullmq';
import type { Clock } from '../bot/platform/clock.js';
import type { Config } from '../bot/platform/config.js';
import type { Channel, Db } from '../bot/platform/db.js';
import type { Logger } from '../bot/platform/log.js';
import type { AppRedis } from '../bot/platform/redis.js';
import type { OutboundJob, Queues } from './queues.js';

export interface WorkerDeps {
  config: Config;
  log: Logger;
  db: Db;
  queues: Queues;
  outbound: Record<Channel, Queue<OutboundJob>>;
  /** The application's Redis (not the queues'): the handoff gates. */
  redis: AppRedis;
  now: Clock;
}
