import { Worker } from 'bullmq';
import type { Redis as IORedis } from 'ioredis';
import { isDelivered, markDelivered } from '../../core/deliveries.js';
import { observeNotificationLag } from '../../core/metrics.js';
import type { Metrics } from '../../core/platform/metrics.js';
import { bullPrefix, outboundQueueName, outboundSchema } from '../../core/queues.js';
import type { Reply } from '../../core/messages.js';
import type { Clock } from '../../core/platform/clock.js';
import type { Channel, Db } from '../../core/platform/db.js';
import type { Logger } from '../../core/platform/log.js';
import { logErrors, type AppRedis } from '../../core/platform/redis.js';

/** Puts replies in front of one resident; must do nothing for a delivery key it has seen. */
export type Deliver = (recipient: string, replies: Reply[], deliveryKey: string) => Promise<void>;

/**
 * Consumes a channel's outbound queue (case numbers, status changes) in the process that serves
 * that channel: only it can reach the resident (a WeChat login lives in one process).
 */
export function startOutboundWorker(
  channel: Channel,
  deliver: Deliver,
  deps: {
    connection: IORedis;
    redisPrefix: string;
    db: Db;
    log: Logger;
    now: Clock;
    /** How long a claim on a job lasts without renewal: a killed bot's delivery is taken over after it. */
    lockMs: number;
    metrics: Metrics;
    /** After delivery: lets the dialogue read a typed answer to the message's buttons. */
    shown: (channel: Channel, recipient: string, replies: Reply[]) => Promise<void>;
  },
): Worker {
  const worker = new Worker(
    outboundQueueName(channel),
    async (job) => {
      const message = outboundSchema.parse(job.data);
      const { key, recipient, replies } = message;
      // Sent again by the reconciler while a slower try got through: nothing to do.
      if (await isDelivered(deps.db, key)) return;
      await deliver(recipient, replies, key);
      // Marked only now: a crash before it sends again later (`deliver` skips a key it has seen).
      const deliveredAt = deps.now();
      await markDelivered(deps.db, message, deliveredAt);
      await deps.shown(channel, recipient, replies);
      // A figure, not part of the delivery: failing to read it never sends the message again.
      await observeNotificationLag(deps.db, deps.metrics, key, deliveredAt).catch((err: Error) => deps.log.debug({ err: err.message }, 'notification lag not measured'));
    },
    // One at a time keeps each resident's messages in order.
    { connection: deps.connection, prefix: bullPrefix(deps.redisPrefix), concurrency: 1, lockDuration: deps.lockMs, stalledInterval: deps.lockMs },
  );
  worker.on('failed', (job, err) => {
    deps.log.warn({ channel, jobId: job?.id, err: err.message }, 'delivery failed');
    deps.metrics.jobEnded(outboundQueueName(channel), job, 'failed');
  });
  worker.on('completed', (job) => deps.metrics.jobEnded(outboundQueueName(channel), job, 'completed'));
  return logErrors(worker, deps.log, `worker:${outboundQueueName(channel)}`);
}

const REMEMBER_SECONDS = 30 * 24 * 3600;

/**
 * For senders that cannot recognise a repeat themselves (chat APIs): a key already delivered is
 * skipped, and a key is marked after sending, so a crash in between may repeat a message but
 * never lose one.
 */
export function deliverOnce(redis: AppRedis, redisPrefix: string, channel: Channel, send: Deliver): Deliver {
  return async (recipient, replies, key) => {
    const sent = `${redisPrefix}:${channel}:delivered:${key}`;
    if (await redis.exists(sent)) return;
    await send(recipient, replies, key);
    await redis.set(sent, '1', { EX: REMEMBER_SECONDS });
  };
}
