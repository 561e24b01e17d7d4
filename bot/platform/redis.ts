import { Redis as IORedis } from 'ioredis';
import { createClient } from 'redis';
import type { Logger } from './log.js';

const newClient = (url: string) => createClient({ url });

/** The application's own Redis work (dialogue state, rate limits, dedupe keys, mailboxes) uses node-redis. */
export type AppRedis = ReturnType<typeof newClient>;

export async function connectAppRedis(url: string, log: Logger): Promise<AppRedis> {
  const client = newClient(url);
  // Reconnects on its own; an error event without a listener would crash the process.
  client.on('error', (err: Error) => log.warn({ err: err.message }, 'redis connection error'));
  await client.connect();
  return client;
}

/** BullMQ accepts only ioredis connections; workers need maxRetriesPerRequest: null to block safely. */
export function createQueueConnection(url: string): IORedis {
  return new IORedis(url, { maxRetriesPerRequest: null, lazyConnect: false });
}
