import { Worker } from 'bullmq';
import type { Redis as IORedis } from 'ioredis';
import { z } from 'zod';
import { giveUpDelivery, reachedAfterAll } from '../../core/cases/unreachable.js';
import { isDelivered, KeptForNextMessage, markDelivered, ResidentRefuses } from '../../core/deliveries.js';
import { observeNotificationLag } from '../../core/metrics.js';
import type { Metrics } from '../../core/platform/metrics.js';
import { bullPrefix, outboundQueueName, outboundSchema, type Queues } from '../../core/queues.js';
import { replySchema, type Reply } from '../../core/messages.js';
import type { Clock } from '../../core/platform/clock.js';
import type { Channel, Db } from '../../core/platform/db.js';
import type { Logger } from '../../core/platform/log.js';
import { logErrors, type AppRedis } from '../../core/platform/redis.js';
import type { Sql } from '../../core/platform/sql.js';
import { REMEMBER_SECONDS, SentParts, sentPartsKey } from './sent-parts.js';

/**
 * Puts a queued message's replies in front of one resident; must do nothing for a delivery key it
 * has seen. A channel that sent less than it was given (the Official Account's template leaves the
 * files for later) answers what it sent, which is what the log keeps.
 */
export type Deliver = (recipient: string, replies: Reply[], deliveryKey: string) => Promise<Reply[] | void>;

/**
 * Runs work given the same key one after another, in the order it was given; other keys' work
 * runs meanwhile. A failure does not stop the work queued after it.
 */
export function oneAtATimePer<K>(): <T>(key: K, work: () => Promise<T>) => Promise<T> {
  const tails = new Map<K, Promise<unknown>>();
  return (key, work) => {
    const result = (tails.get(key) ?? Promise.resolve()).then(work);
    const tail = result.catch(() => undefined);
    tails.set(key, tail);
    void tail.then(() => tails.get(key) === tail && tails.delete(key));
    return result;
  };
}

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
    sql: Sql;
    /** To give up a message the resident refuses, and tell staff (giveUpDelivery). */
    db: Db;
    queues: Pick<Queues, 'notify'>;
    log: Logger;
    now: Clock;
    /** How long a claim on a job lasts without renewal: a killed bot's delivery is taken over after it. */
    lockMs: number;
    /**
     * Deliveries in flight (DELIVERIES_AT_ONCE). One at a time could not keep up with a busy intake:
     * each waits for a few round trips behind the turns the process serves (at 500 residents, 16 could not either).
     */
    atOnce: number;
    metrics: Metrics;
    /** After delivery: lets the dialogue read a typed answer to the message's buttons. */
    shown: (channel: Channel, recipient: string, replies: Reply[]) => Promise<void>;
  },
): Worker {
  const inTurn = oneAtATimePer<string>();
  const worker = new Worker(
    outboundQueueName(channel),
    async (job) => {
      const message = outboundSchema.parse(job.data);
      const { key, recipient, replies } = message;
      await inTurn(recipient, async () => {
        // Sent again by the reconciler while a slower try got through: nothing to do.
        if (await isDelivered(deps.sql, key)) return;
        let sent: Reply[] | void;
        try {
          sent = await deliver(recipient, replies, key);
        } catch (err) {
          // Marked when the channel shows it; until then it is pending, and the reconciler's tries keep it kept.
          if (err instanceof KeptForNextMessage) return;
          if (!(err instanceof ResidentRefuses)) throw err;
          // No later try would get through: staff are told now, not after DELIVERY_GIVE_UP_HOURS.
          await giveUpDelivery(deps, { key, channel, reason: 'refused', actor: `system:${outboundQueueName(channel)}` }, deps.now());
          return;
        }
        // Marked only now: a crash before it sends again later (`deliver` skips a key it has seen).
        const deliveredAt = deps.now();
        if (await markDelivered(deps.sql, sent ? { ...message, replies: sent } : message, deliveredAt)) await reachedAfterAll(deps, { key, channel, actor: `system:${outboundQueueName(channel)}` }, deliveredAt);
        // A figure, not part of the delivery: not waited for, and failing to read it never sends the message again.
        void observeNotificationLag(deps.sql, deps.metrics, key, deliveredAt).catch((err: Error) => deps.log.debug({ err: err.message }, 'notification lag not measured'));
        await deps.shown(channel, recipient, replies);
      });
    },
    // Many residents at once (each delivery mostly waits on Redis, PostgreSQL or a chat API);
    // each resident's messages one after another, in the order the jobs were taken.
    { connection: deps.connection, prefix: bullPrefix(deps.redisPrefix), concurrency: deps.atOnce, lockDuration: deps.lockMs, stalledInterval: deps.lockMs },
  );
  worker.on('failed', (job, err) => {
    deps.log.warn({ channel, jobId: job?.id, err: err.message }, 'delivery failed');
    deps.metrics.jobEnded(outboundQueueName(channel), job, 'failed');
  });
  worker.on('completed', (job) => deps.metrics.jobEnded(outboundQueueName(channel), job, 'completed'));
  return logErrors(worker, deps.log, `worker:${outboundQueueName(channel)}`);
}

/** Recorded for a delivery sent as it was given (else what was sent is recorded). */
const SENT_AS_GIVEN = '1';

/** What a channel sends with: the recipient, the replies, the delivery key, and the parts of it a try before sent. */
export type Send = (recipient: string, replies: Reply[], deliveryKey: string, parts: SentParts) => Promise<Reply[] | void>;

/**
 * For senders that cannot recognise a repeat themselves (chat APIs): a key already delivered is
 * skipped (answering what was sent), a try after a failure half-way sends only the parts not yet
 * sent (SentParts), and a key is marked after sending, so a crash in between may repeat a part but
 * never lose one.
 */
export function deliverOnce(redis: AppRedis, redisPrefix: string, channel: Channel, send: Send): Deliver {
  return async (recipient, replies, key) => {
    const delivered = `${redisPrefix}:${channel}:delivered:${key}`;
    const partsKey = sentPartsKey(redisPrefix, channel, key);
    const [seen, names] = await Promise.all([redis.get(delivered), redis.sMembers(partsKey)]);
    // Sent by a try that stopped before the delivery was marked: what it sent is what the log keeps.
    if (seen !== null) return seen === SENT_AS_GIVEN ? undefined : z.array(replySchema).parse(JSON.parse(seen));
    const shown = await send(recipient, replies, key, new SentParts(new Set(names), { redis, key: partsKey }));
    await redis.multi().set(delivered, shown ? JSON.stringify(shown) : SENT_AS_GIVEN, { EX: REMEMBER_SECONDS }).del(partsKey).exec();
    return shown;
  };
}
