import type { Wechaty } from 'wechaty';
import { loadNlu } from '../nlp-models/index.js';
import { Catalog } from './catalog.js';
import { AttachmentStore } from './conversations/attachments.js';
import { deliverOnce, startOutboundWorker } from './channels/outbound.js';
import { createTelegramChannel, startTelegram } from './channels/telegram/channel.js';
import { sendReplies } from './channels/telegram/send.js';
import { createWechatChannel, loggedIn, sayTo, type WechatSettings } from './channels/wechat/channel.js';
import { renderReply } from './channels/wechat/render.js';
import { WechatMpChannel } from './channels/wechat-mp/channel.js';
import { Mailbox } from './channels/webchat/mailbox.js';
import { WebchatSessions } from './channels/webchat/sessions.js';
import { DeliveryGuard } from './conversations/delivery-guard.js';
import { MessageLog } from './conversations/message-log.js';
import { Bot } from './dialogue/bot.js';
import { HandoffService } from '../core/handoff/service.js';
import { ChatLinks } from './console/chat-links.js';
import { SessionStore } from './dialogue/session.js';
import type { Services } from '../core/platform/services.js';

/** The bot side of a process: the dialogue, the web chat mailbox and its outbound delivery. */
export async function createBotRuntime(services: Services, overrides: { wechatPuppet?: WechatSettings['puppet'] } = {}) {
  const { config, db, redis, log } = services;
  const [catalog, nlu] = await Promise.all([Catalog.load(db), loadNlu(config.NLP_MODEL_PATH)]);
  const messageLog = new MessageLog(db);
  const attachments = new AttachmentStore(db, config.DATA_DIR, config.ATTACHMENT_MAX_BYTES);
  const mailbox = new Mailbox(redis, db, config.REDIS_PREFIX);
  const webchatSessions = new WebchatSessions(db, redis, config.REDIS_PREFIX);
  const sessions = new SessionStore(redis, db, config.REDIS_PREFIX, config.SESSION_TTL_SECONDS, services.now);
  const handoff = new HandoffService(services);
  const chatLinks = new ChatLinks(db, redis, config.REDIS_PREFIX, services.now);
  const bot = new Bot({
    config,
    log,
    db,
    queues: services.queues,
    catalog,
    nlu,
    handoff,
    chatLinks,
    sessions,
    guard: new DeliveryGuard(redis, config.REDIS_PREFIX, {
      messages: config.RATE_LIMIT_MESSAGES,
      windowSeconds: config.RATE_LIMIT_WINDOW_SECONDS,
    }),
    messageLog,
    now: services.now,
  });
  const outboundDeps = {
    connection: services.queueConnection,
    redisPrefix: config.REDIS_PREFIX,
    db,
    log,
    now: services.now,
    shown: bot.shown.bind(bot),
  };
  const outbound = startOutboundWorker(
    'webchat',
    async (userId, replies, key) => void (await mailbox.append(userId, replies, key)),
    outboundDeps,
  );
  const stops = [() => outbound.close()];
  const channels = ['webchat'];

  const telegram = config.TELEGRAM_BOT_TOKEN
    ? createTelegramChannel({ token: config.TELEGRAM_BOT_TOKEN, apiRoot: config.TELEGRAM_API_ROOT }, { bot, log, attachments })
    : undefined;
  if (telegram) {
    const stopTelegram = await startTelegram(telegram, {
      webhookUrl: config.TELEGRAM_WEBHOOK_URL,
      webhookSecret: config.TELEGRAM_WEBHOOK_SECRET,
      log,
    });
    const telegramOutbound = startOutboundWorker(
      'telegram',
      // A resident's Telegram user id is also the id of their private chat with the bot.
      deliverOnce(redis, config.REDIS_PREFIX, 'telegram', (userId, replies) => sendReplies(telegram.api, Number(userId), replies)),
      outboundDeps,
    );
    stops.push(stopTelegram, () => telegramOutbound.close());
    channels.push('telegram');
  }

  // Wechaty checks a puppet name itself and says which ones it knows.
  const wechatPuppet = overrides.wechatPuppet ?? (config.WECHATY_PUPPET as WechatSettings['puppet'] | undefined);
  let wechat: Wechaty | undefined;
  if (wechatPuppet) {
    wechat = createWechatChannel(
      { puppet: wechatPuppet, puppetToken: config.WECHATY_PUPPET_TOKEN, acceptFriends: config.WECHAT_ACCEPT_FRIENDS, dataDir: config.DATA_DIR },
      { bot, log, attachments },
    );
    const account = wechat;
    const stopping = new AbortController();
    // Only a logged-in process can send. One delivery at a time, each waiting for the login, keeps
    // what was queued while WeChat was offline in order until the account is back.
    const wechatOutbound = startOutboundWorker(
      'wechat',
      deliverOnce(redis, config.REDIS_PREFIX, 'wechat', async (contactId, replies) => {
        await loggedIn(account, stopping.signal);
        await sayTo(account, contactId, replies.map(renderReply));
      }),
      outboundDeps,
    );
    await account.start();
    stops.push(
      async () => {
        stopping.abort();
        await wechatOutbound.close();
      },
      () => account.stop(),
    );
    channels.push('wechat');
  }

  const { WECHAT_MP_APPID: appId, WECHAT_MP_SECRET: secret, WECHAT_MP_TOKEN: token } = config;
  const wechatMp =
    appId && secret && token
      ? new WechatMpChannel(
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
          { bot, log, attachments, db, redis, redisPrefix: config.REDIS_PREFIX, now: services.now },
        )
      : undefined;
  if (wechatMp) {
    // Any process can reach an Official Account follower: the token and the window live in Redis.
    const mpOutbound = startOutboundWorker(
      'wechat_mp',
      deliverOnce(redis, config.REDIS_PREFIX, 'wechat_mp', (openId, replies, key) => wechatMp.notifier.deliver(openId, replies, key)),
      outboundDeps,
    );
    stops.push(() => mpOutbound.close());
    channels.push('wechat-mp');
  }

  return {
    bot,
    mailbox,
    webchatSessions,
    handoff,
    chatLinks,
    telegram,
    wechat,
    wechatMp,
    channels,
    async close() {
      for (const stop of stops) await stop();
      await messageLog.drain();
      await sessions.drain();
    },
  };
}
export type BotRuntime = Awaited<ReturnType<typeof createBotRuntime>>;
