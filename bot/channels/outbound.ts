import { Worker } from 'bullmq';
import type { Redis as IORedis } from 'ioredis';
import { bullPrefix, outboundQueueName, outboundSchema } from '../../workers/queues.js';
import type { MessageLog } from '../conversations/message-log.js';
import type { Reply } from '../dialogue/messages.js';
import type { Channel } from '../platform/db.js';
import type { Logger } from '../platform/log.js';
import { logErrors, type AppRedis } from '../platform/redis.js';

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
    messageLog: MessageLog;
    log: Logger;
    /** After delivery: lets the dialogue read a typed answer to the message's buttons. */
    shown: (channel: Channel, recipient: string, replies: Reply[]) => Promise<void>;
  },
): Worker {
  const worker = new Worker(
    outboundQueueName(channel),
    async (job) => {
      const { key, conversationId, recipient, replies, author } = outboundSchema.parse(job.data);
      // Logged first: a crash between the two steps repeats the (idempotent) log write, never the message.
      await deps.messageLog.record(
        replies.map((r, i) => ({ conversationId, direction: 'outbound', externalId: `${key}#${i}`, text: r.text, buttons: r.buttons, author })),
      );
      await deliver(recipient, replies, key);
      await deps.shown(channel, recipient, replies);
    },
    // One at a time keeps each resident's messages in order.
    { connection: deps.connection, prefix: bullPrefix(deps.redisPrefix), concurrency: 1 },
  );
  worker.on('failed', (job, err) => deps.log.warn({ channel, jobId: job?.id, err: err.message }, 'delivery failed'));
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
