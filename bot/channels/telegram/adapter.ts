import type { Bot as TelegramBot } from 'grammy';
import type { AppRedis } from '../../../core/platform/redis.js';
import type { Logger } from '../../../core/platform/log.js';
import type { AttachmentStore } from '../../conversations/attachments.js';
import type { Bot } from '../../dialogue/bot.js';
import type { ChannelAdapter } from '../adapter.js';
import { deliverOnce } from '../outbound.js';
import { createTelegramChannel, startTelegram, type TelegramSettings } from './channel.js';
import { sendReplies } from './send.js';
import { telegramWebhook } from './webhook.js';

export type TelegramAdapter = ChannelAdapter & { readonly telegram: TelegramBot };

/** Telegram through grammY: a webhook on the HTTP server, or long polling when no webhook URL is set. */
export function telegramChannel(
  settings: TelegramSettings & { webhookUrl?: string; webhookSecret?: string },
  deps: { bot: Bot; log: Logger; attachments: AttachmentStore; redis: AppRedis; redisPrefix: string },
): TelegramAdapter {
  const telegram = createTelegramChannel(settings, deps);
  let stopPolling: (() => Promise<void>) | undefined;
  return {
    name: 'telegram',
    telegram,
    // A resident's Telegram user id is also the id of their private chat with the bot.
    deliver: deliverOnce(deps.redis, deps.redisPrefix, 'telegram', (userId, replies, _key, parts) =>
      sendReplies(telegram.api, Number(userId), replies, (file) => deps.attachments.pathOf(file.sha256), parts),
    ),
    routes: async (app) => void (await app.register(telegramWebhook, { telegram, secret: settings.webhookSecret, log: deps.log })),
    async start() {
      stopPolling = await startTelegram(telegram, { webhookUrl: settings.webhookUrl, webhookSecret: settings.webhookSecret, log: deps.log });
    },
    async stop() {
      await stopPolling?.();
    },
  };
}
