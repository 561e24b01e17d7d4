import { Queue, type JobsOptions } from 'bullmq';
import type { Redis as IORedis } from 'ioredis';
import { z } from 'zod';
import { replySchema } from './messages.js';
import type { Channel } from './platform/db.js';
import type { Logger } from './platform/log.js';
import { logErrors } from './platform/redis.js';

/** Job payloads, checked when a worker picks a job up. */
export const jobSchemas = {
  intake: z.object({ submissionId: z.string().uuid() }),
  route: z.object({ caseId: z.string().uuid() }),
  notify: z.object({ eventId: z.string().uuid() }),
  /** Periodic housekeeping (the reconciler), scheduled once for all worker processes. */
  maintenance: z.object({}),
  /** The periodic deadline watch, scheduled once for all worker processes. */
  deadlines: z.object({}),
  /** The periodic look at conversations waiting for staff. */
  handoffs: z.object({}),
  /** A department's alert of a case event or of a supervision project it leads (alerts.ts), or the daily digests when there is neither. */
  alerts: z.object({ eventId: z.string().uuid().optional(), projectId: z.string().uuid().optional() }),
  /** A retraining of the topic model asked for in the console (core/nlp/topic-models.ts). */
  'nlp-train': z.object({ createdBy: z.string().min(1).max(100), last: z.number().int().min(1).max(100_000) }),
};

export type QueueName = keyof typeof jobSchemas;
export type JobData<N extends QueueName> = z.infer<(typeof jobSchemas)[N]>;

/** Retries with backoff for transient failures (database or Redis restarts); completed jobs are trimmed. */
export const defaultJobOptions: JobsOptions = {
  attempts: 8,
  backoff: { type: 'exponential', delay: 1000 },
  removeOnComplete: { age: 24 * 3600, count: 10_000 },
  removeOnFail: { age: 30 * 24 * 3600 },
};

/**
 * A delivery retries a few seconds only: a longer outage of the channel is ridden out by the
 * reconciler, which sends again what was never marked delivered, hours apart (deliveries.ts).
 */
const outboundJobOptions: JobsOptions = { ...defaultJobOptions, attempts: 3 };

export type Queues = { [N in QueueName]: Queue<JobData<N>> };

export function bullPrefix(redisPrefix: string): string {
  return `${redisPrefix}:bull`;
}

export function createQueues(connection: IORedis, redisPrefix: string, log: Logger): Queues {
  const make = <N extends QueueName>(name: N) =>
    logErrors(new Queue<JobData<N>>(name, { connection, prefix: bullPrefix(redisPrefix), defaultJobOptions }), log, `queue:${name}`);
  return { intake: make('intake'), route: make('route'), notify: make('notify'), maintenance: make('maintenance'), deadlines: make('deadlines'), handoffs: make('handoffs'), alerts: make('alerts'), 'nlp-train': make('nlp-train') };
}

export async function closeQueues(queues: Queues): Promise<void> {
  await Promise.all(Object.values(queues).map((q) => q.close()));
}

/** A message for a resident, delivered by the process that serves their channel. */
export const outboundSchema = z.object({
  /** The delivery key (deliveries.ts): a message with a key already delivered is not delivered again. */
  key: z.string(),
  conversationId: z.string().uuid(),
  recipient: z.string(),
  replies: z.array(replySchema),
  /** "staff:<id>" when a person wrote it; absent for the bot. */
  author: z.string().optional(),
});
export type OutboundJob = z.infer<typeof outboundSchema>;

export function outboundQueueName(channel: Channel): string {
  return `outbound-${channel}`;
}

export function createOutboundQueue(connection: IORedis, redisPrefix: string, channel: Channel, log: Logger): Queue<OutboundJob> {
  const name = outboundQueueName(channel);
  return logErrors(new Queue<OutboundJob>(name, { connection, prefix: bullPrefix(redisPrefix), defaultJobOptions: outboundJobOptions }), log, `queue:${name}`);
}
