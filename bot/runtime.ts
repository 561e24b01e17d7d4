import { loadTopicClassifier } from '../nlp-models/index.js';
import { Catalog } from './catalog.js';
import { startWebchatOutbound } from './channels/webchat/outbound.js';
import { Mailbox } from './channels/webchat/mailbox.js';
import { DeliveryGuard } from './conversations/delivery-guard.js';
import { MessageLog } from './conversations/message-log.js';
import { Bot } from './dialogue/bot.js';
import { SessionStore } from './dialogue/session.js';
import type { Services } from './platform/services.js';

/** The bot side of a process: the dialogue, the web chat mailbox and its outbound delivery. */
export async function createBotRuntime(services: Services) {
  const { config, db, redis, log } = services;
  const [catalog, topics] = await Promise.all([Catalog.load(db), loadTopicClassifier(config.NLP_MODEL_PATH)]);
  const messageLog = new MessageLog(db);
  const mailbox = new Mailbox(redis, config.REDIS_PREFIX);
  const bot = new Bot({
    config,
    log,
    db,
    queues: services.queues,
    catalog,
    topics,
    sessions: new SessionStore(redis, config.REDIS_PREFIX, config.SESSION_TTL_SECONDS),
    guard: new DeliveryGuard(redis, config.REDIS_PREFIX, {
      messages: config.RATE_LIMIT_MESSAGES,
      windowSeconds: config.RATE_LIMIT_WINDOW_SECONDS,
    }),
    messageLog,
  });
  const outbound = startWebchatOutbound({
    connection: services.queueConnection,
    redisPrefix: config.REDIS_PREFIX,
    mailbox,
    messageLog,
    log,
  });
  return {
    bot,
    mailbox,
    async close() {
      await outbound.close();
      await messageLog.drain();
    },
  };
}
export type BotRuntime = Awaited<ReturnType<typeof createBotRuntime>>;
