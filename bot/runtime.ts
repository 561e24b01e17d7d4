import { Faq } from '../core/faq/faq.js';
import { followTopicModel, loadActiveTopicModel } from '../core/nlp/topic-models.js';
import { loadNlu } from '../nlp-models/index.js';
import { Catalog } from './catalog.js';
import { AttachmentStore } from './conversations/attachments.js';
import type { ChannelAdapter } from './channels/adapter.js';
import { startOutboundWorker } from './channels/outbound.js';
import { webchatChannel } from './channels/webchat/adapter.js';
import type { WechatSettings } from './channels/wechat/channel.js';
import { RateLimiter } from './conversations/rate-limiter.js';
import { Mailbox } from './channels/webchat/mailbox.js';
import { WebchatSessions } from './channels/webchat/sessions.js';
import { DeliveryGuard } from './conversations/delivery-guard.js';
import { MessageLog } from './conversations/message-log.js';
import { Bot } from './dialogue/bot.js';
import { HandoffService } from '../core/handoff/service.js';
import { ChatLinks } from './console/chat-links.js';
import { SessionStore } from './dialogue/session.js';
import type { Services } from '../core/platform/services.js';
import type { AppRedis } from '../core/platform/redis.js';
import type { Logger } from '../core/platform/log.js';

type ChannelDeps = { bot: Bot; log: Logger; attachments: AttachmentStore; redis: AppRedis; redisPrefix: string; stopping: AbortSignal };

/**
 * The channels whose settings are there (README, Channels); a channel without them is off. Each
 * channel's module is loaded only when it is on: Wechaty alone takes some 80 MB, grammY 19 MB.
 */
async function channelsFromSettings(services: Services, shared: ChannelDeps, overrides: { wechatPuppet?: WechatSettings['puppet'] }) {
  const { config, db } = services;
  // Wechaty checks a puppet name itself and says which ones it knows.
  const wechatPuppet = overrides.wechatPuppet ?? (config.WECHATY_PUPPET as WechatSettings['puppet'] | undefined);
  const { WECHAT_MP_APPID: appId, WECHAT_MP_SECRET: secret, WECHAT_MP_TOKEN: token } = config;
  const telegram = config.TELEGRAM_BOT_TOKEN
    ? (await import('./channels/telegram/adapter.js')).telegramChannel(
        { token: config.TELEGRAM_BOT_TOKEN, apiRoot: config.TELEGRAM_API_ROOT, webhookUrl: config.TELEGRAM_WEBHOOK_URL, webhookSecret: config.TELEGRAM_WEBHOOK_SECRET },
        shared,
      )
    : undefined;
  const wechat = wechatPuppet
    ? (await import('./channels/wechat/adapter.js')).wechatChannel(
        { puppet: wechatPuppet, puppetToken: config.WECHATY_PUPPET_TOKEN, acceptFriends: config.WECHAT_ACCEPT_FRIENDS, dataDir: config.DATA_DIR },
        shared,
      )
    : undefined;
  const wechatMp =
    appId && secret && token
      ? (await import('./channels/wechat-mp/adapter.js')).wechatMpChannel(
          {
            appId,
            secret,
            token,
            aesKey: config.WECHAT_MP_AES_KEY,
            apiRoot: config.WECHAT_MP_API_ROOT,
            template: config.WECHAT_MP_TEMPLATE_ID
              ? { id: config.WECHAT_MP_TEMPLATE_ID, fields: config.WECHAT_MP_TEMPLATE_FIELDS, casePrefix: config.CASE_NUMBER_PREFIX, timezone: config.TIMEZONE }
              : undefined,
          },
          { ...shared, db, sql: services.sql, queues: services.queues, now: services.now },
        )
      : undefined;
  return { telegram, wechat, wechatMp };
}

/** The bot side of a process: the dialogue and every channel that is on, with its outbound delivery. */
export async function createBotRuntime(services: Services, overrides: { wechatPuppet?: WechatSettings['puppet'] } = {}) {
  const { config, db, redis, log } = services;
  // The model staff retrained (the active one in the database) wins over the file; later ones are followed.
  // A stored model this version cannot read (its format changed) must not keep the bot from starting.
  const stored = loadActiveTopicModel(db).catch((err: Error) => {
    log.warn({ err: err.message }, 'the active topic model cannot be loaded; using the model file');
    return null;
  });
  const [catalog, active] = await Promise.all([Catalog.load(db), stored]);
  const nlu = await loadNlu(active?.classifier ?? config.NLP_MODEL_PATH);
  const topicModel = await followTopicModel(services, active?.id ?? null, (classifier) => nlu.useTopicClassifier(classifier));
  const messageLog = new MessageLog(services.sql);
  const attachments = new AttachmentStore(db, config.DATA_DIR, config.ATTACHMENT_MAX_BYTES);
  const mailbox = new Mailbox(redis, db, config.REDIS_PREFIX);
  const webchatSessions = new WebchatSessions(services.sql, services.now, config.WEBCHAT_TOKEN_IDLE_DAYS, { redis, redisPrefix: config.REDIS_PREFIX, log });
  const signOuts = await webchatSessions.followSignOuts();
  const sessions = new SessionStore(redis, db, services.sql, config.REDIS_PREFIX, config.SESSION_TTL_SECONDS, services.now);
  const handoff = new HandoffService(services);
  const chatLinks = new ChatLinks(db, redis, config.REDIS_PREFIX, services.now);
  const faq = new Faq(db, redis, config.REDIS_PREFIX, services.now, config.FAQ_MATCH_THRESHOLD);
  const bot = new Bot({
    config,
    log,
    db,
    queues: services.queues,
    catalog,
    nlu,
    handoff,
    chatLinks,
    faq,
    sessions,
    guard: new DeliveryGuard(redis, config.REDIS_PREFIX, {
      messages: config.RATE_LIMIT_MESSAGES,
      windowSeconds: config.RATE_LIMIT_WINDOW_SECONDS,
    }),
    messageLog,
    sql: services.sql,
    now: services.now,
    metrics: services.metrics,
  });
  const outboundDeps = {
    connection: services.queueConnection,
    redisPrefix: config.REDIS_PREFIX,
    sql: services.sql,
    db: services.db,
    queues: services.queues,
    log,
    now: services.now,
    lockMs: config.WORKER_LOCK_MS,
    atOnce: config.DELIVERIES_AT_ONCE,
    metrics: services.metrics,
    shown: bot.shown.bind(bot),
  };
  const stopping = new AbortController();
  const shared = { bot, log, attachments, redis, redisPrefix: config.REDIS_PREFIX };
  const perAddress = new RateLimiter(redis, config.REDIS_PREFIX, { messages: config.RATE_LIMIT_IP_MESSAGES, windowSeconds: config.RATE_LIMIT_WINDOW_SECONDS });

  const { telegram, wechat, wechatMp } = await channelsFromSettings(services, { ...shared, stopping: stopping.signal }, overrides);
  const channels: ChannelAdapter[] = [webchatChannel({ bot, mailbox, sessions: webchatSessions, perAddress, db, attachments }), telegram, wechat, wechatMp].filter(
    (c): c is ChannelAdapter => c !== undefined,
  );

  // Each channel's outbound queue is consumed where the channel runs (only there can it send).
  const workers = channels.map((c) => startOutboundWorker(c.name, c.deliver, outboundDeps));
  for (const channel of channels) await channel.start?.();

  return {
    bot,
    handoff,
    chatLinks,
    faq,
    webchatSessions,
    channels,
    /** Each channel's own client, for tools and tests: grammY's bot, the Wechaty account, the Official Account. */
    telegram: telegram?.telegram,
    wechat: wechat?.wechat,
    wechatMp: wechatMp?.mp,
    async close() {
      // A delivery waiting for a WeChat login gives up (it is tried again later), so workers can close.
      stopping.abort();
      await Promise.all(workers.map((w) => w.close()));
      for (const channel of channels) await channel.stop?.();
      await messageLog.drain();
      await topicModel.close();
      await signOuts.close();
    },
  };
}
export type BotRuntime = Awaited<ReturnType<typeof createBotRuntime>>;
