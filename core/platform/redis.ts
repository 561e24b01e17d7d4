import { Redis as IORedis } from 'ioredis';
import { createClient } from 'redis';
import type { Logger } from './log.js';

// Without an offline queue a command fails at once while Redis is down (the resident is told to
// try again) instead of waiting an unbounded time for the reconnection.
const newClient = (url: string) => createClient({ url, disableOfflineQueue: true });

/** The application's own Redis work (dialogue state, rate limits, dedupe keys, mailboxes) uses node-redis. */
export type AppRedis = ReturnType<typeof newClient>;

/** What reports connection trouble as an `error` event: Redis clients, BullMQ queues and workers. */
type ErrorEmitter = { on(event: 'error', listener: (err: Error) => void): unknown };

/**
 * Sends an object's `error` events to the log, which masks phone numbers. Without a listener an
 * error either crashes the process or is printed raw to stderr; both clients reconnect on their own.
 */
export function logErrors<T extends ErrorEmitter>(emitter: T, log: Logger, source: string): T {
  emitter.on('error', (err: Error) => log.warn({ source, err: err.message || err.name }, 'connection error'));
  return emitter;
}

export async function connectAppRedis(url: string, log: Logger): Promise<AppRedis> {
  const client = logErrors(newClient(url), log, 'redis');
  await client.connect();
  return client;
}

/**
 * Hears a pub/sub channel on a connection of its own (a subscribed connection runs no other
 * command). What is published while that connection is away is lost: `reconnected` runs each time
 * it is back, after node-redis has subscribed again, so that the caller can catch up from PostgreSQL.
 */
export async function followChannel(
  redis: AppRedis,
  log: Logger,
  channel: string,
  on: { message(raw: string): void; reconnected(): void },
): Promise<{ close(): Promise<void> }> {
  const subscriber = logErrors(redis.duplicate(), log, channel);
  await subscriber.connect();
  await subscriber.subscribe(channel, (raw) => on.message(raw));
  subscriber.on('ready', () => on.reconnected());
  return { close: () => subscriber.quit().then(() => undefined, () => undefined) };
}

/** BullMQ accepts only ioredis connections; workers need maxRetriesPerRequest: null to block safely. */
export function createQueueConnection(url: string, log: Logger): IORedis {
  return logErrors(new IORedis(url, { maxRetriesPerRequest: null, lazyConnect: false }), log, 'queue-redis');
}
