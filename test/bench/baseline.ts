/**
 * The floor a Redis-backed chat turn pays, for `npm run bench`: a bare Fastify server in its own
 * process answering the web chat API's two POST routes with one Redis GET and one SET each.
 * Prints `{"url": ...}` once it listens.
 */
import Fastify from 'fastify';
import { createClient } from 'redis';

const prefix = process.env.REDIS_PREFIX ?? 'tmbench';
const redis = createClient({ url: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379' });
await redis.connect();
const app = Fastify({ logger: false });
const turn = async (key: string) => {
  await redis.get(key);
  await redis.set(key, 'x', { EX: 600 });
};
app.post('/api/webchat/sessions', async (_req, reply) => {
  await turn(`${prefix}:baseline:sessions`);
  return reply.code(201).send({ token: 'baseline' });
});
app.post('/api/webchat/messages', async () => {
  await turn(`${prefix}:baseline:messages`);
  return { replies: [] };
});
const url = await app.listen({ host: '127.0.0.1', port: 0 });
console.log(JSON.stringify({ url }));
const stop = async () => {
  await app.close();
  await redis.quit();
  process.exit(0);
};
process.on('SIGTERM', () => void stop());
process.on('SIGINT', () => void stop());
