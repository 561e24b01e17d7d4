/**
 * A second floor for `npm run bench`: the least a turn does that keeps Tingmin's guarantees, built
 * from Tingmin's own storage parts and nothing else (no dialogue, NLP, workers or HTTP hooks):
 * - the rate limit, the resident's lock and state read in one round trip (DeliveryGuard);
 * - both messages and the state's copy stored in PostgreSQL before the answer (MessageLog,
 *   grouped as in the bot), the state saved in Redis meanwhile (SessionStore's layout);
 * - the answer appended to the page's mailbox (Mailbox), the lock released.
 * It answers the web chat API's two POST routes; a session opens a resident and conversation.
 * Its ratio to the bare baseline shows how much of that baseline a durable turn can reach here,
 * and so how much of Tingmin's distance from it is the product's own work. Prints `{"url": ...}`.
 */
import { randomBytes } from 'node:crypto';
import Fastify from 'fastify';
import { DeliveryGuard } from '../../bot/conversations/delivery-guard.js';
import { MessageLog } from '../../bot/conversations/message-log.js';
import { openConversation } from '../../bot/conversations/residents.js';
import { Mailbox } from '../../bot/channels/webchat/mailbox.js';
import { loadConfig } from '../../core/platform/config.js';
import { createDb } from '../../core/platform/db.js';
import { createLogger } from '../../core/platform/log.js';
import { connectAppRedis } from '../../core/platform/redis.js';
import { createSql } from '../../core/platform/sql.js';
import { ensureDatabase, migrate } from '../../prisma/setup.js';

// A database and key prefix of its own (given by run.ts), so the bot's figures count only the bot.
const config = loadConfig();
await ensureDatabase(config.DATABASE_URL);
await migrate(config.DATABASE_URL);
const log = createLogger('warn');
const redis = await connectAppRedis(config.REDIS_URL, log);
const sql = createSql(config.DATABASE_URL, log);
const db = createDb(config.DATABASE_URL);
const prefix = config.REDIS_PREFIX;
const guard = new DeliveryGuard(redis, prefix, { messages: 1_000_000, windowSeconds: 60 });
const messageLog = new MessageLog(sql);
const mailbox = new Mailbox(redis, db, prefix);
// Tokens live in this process only: the floor measures turns, not sign-in.
const conversations = new Map<string, string>();

const app = Fastify({ logger: false });
app.post('/api/webchat/sessions', async (_req, reply) => {
  const token = randomBytes(32).toString('base64url');
  const { conversationId } = await openConversation(sql, 'webchat', `floor-${token}`, 'zh');
  conversations.set(token, conversationId);
  await mailbox.opened(token);
  return reply.code(201).send({ token });
});
app.post<{ Body: { text?: string; payload?: string } | null }>('/api/webchat/messages', async (req, reply) => {
  const token = /^Bearer (\S+)$/.exec(req.headers.authorization ?? '')?.[1] ?? '';
  const conversationId = conversations.get(token);
  if (!conversationId) return reply.code(401).send({ error: 'unknown token' });
  const stateKey = `${prefix}:session:${token}`;
  const held = await guard.enter('webchat', token, [stateKey]);
  if (!held) return reply.code(429).send({ error: 'too many' });
  try {
    const step = (held.values[0] ? (JSON.parse(held.values[0]) as { step: number }).step : 0) + 1;
    const state = JSON.stringify({ step });
    const text = req.body?.text ?? req.body?.payload ?? '';
    const answer = `第 ${step} 步：已收到，请继续。`;
    await Promise.all([
      messageLog.record(
        [
          { conversationId, direction: 'inbound', text },
          { conversationId, direction: 'outbound', text: answer },
        ],
        { channel: 'webchat', externalId: token, state, savedAt: new Date() },
      ),
      redis.set(stateKey, state, { EX: 24 * 3600 }),
    ]);
    await mailbox.append(token, [{ from: 'resident', text }, { text: answer }]);
    return { replies: [{ text: answer }] };
  } finally {
    await held.release();
  }
});

const url = await app.listen({ host: '127.0.0.1', port: 0 });
console.log(JSON.stringify({ url }));
const stop = async () => {
  await app.close();
  await messageLog.drain();
  await Promise.all([redis.quit(), sql.end(), db.$disconnect()]);
  process.exit(0);
};
process.on('SIGTERM', () => void stop());
process.on('SIGINT', () => void stop());
