import { Bot as TelegramBot, type Context as TelegramContext } from 'grammy';
import type { Update } from 'grammy/types';
import type { Bot } from '../../dialogue/bot.js';
import type { Inbound } from '../../dialogue/messages.js';
import { t } from '../../i18n/index.js';
import type { Logger } from '../../platform/log.js';
import { sendReplies } from './send.js';

export type TelegramSettings = { token: string; apiRoot: string };

/** Commands shown in Telegram's menu; each is answered by the dialogue like the equivalent words. */
const COMMANDS = [
  { command: 'start', description: '开始 / Start' },
  { command: 'status', description: '查询案件 / Case status: /status QH2611250001' },
  { command: 'cancel', description: '取消 / Cancel' },
  { command: 'help', description: '帮助 / Help' },
];

/** What the dialogue should read from a Telegram update; undefined when it is not for the bot. */
function toInbound(ctx: TelegramContext): Inbound | undefined {
  const chat = ctx.chat;
  // Residents talk to the bot privately; group chats are not a channel for reports.
  if (!chat || chat.type !== 'private' || !ctx.from) return undefined;
  const base = { channel: 'telegram' as const, userId: String(ctx.from.id), messageId: String(ctx.update.update_id) };
  if (ctx.callbackQuery?.data !== undefined) return { ...base, payload: ctx.callbackQuery.data };
  const message = ctx.message;
  if (!message) return undefined;
  const text = message.text ?? message.caption;
  // "/status QH…" reads as "查询 QH…"; the other commands are words the dialogue knows.
  const status = text?.match(/^\/status(?:@\w+)?\s*(.*)$/s);
  if (status) return { ...base, text: `查询 ${status[1]}`.trim() };
  if (text !== undefined) return { ...base, text };
  return { ...base, text: '', attachment: { kind: attachmentKind(message) } };
}

function attachmentKind(message: NonNullable<TelegramContext['message']>): NonNullable<Inbound['attachment']>['kind'] {
  if (message.photo) return 'photo';
  if (message.voice || message.audio) return 'voice';
  if (message.video || message.video_note) return 'video';
  if (message.sticker) return 'sticker';
  if (message.document) return 'file';
  if (message.location) return 'location';
  return 'other';
}

/**
 * The Telegram channel: translates updates into the one inbound shape and replies into messages
 * with inline keyboards. It holds no dialogue logic.
 */
export function createTelegramChannel(settings: TelegramSettings, deps: { bot: Bot; log: Logger }): TelegramBot {
  const telegram = new TelegramBot(settings.token, { client: { apiRoot: settings.apiRoot } });
  telegram.use(async (ctx) => {
    if (ctx.callbackQuery) await ctx.answerCallbackQuery().catch(() => {});
    const inbound = toInbound(ctx);
    if (!inbound || !ctx.chat) return;
    const chatId = ctx.chat.id;
    const result = await deps.bot.handle(inbound, async (replies) => {
      await sendReplies(ctx.api, chatId, replies);
      return true;
    });
    if (result.kind === 'limited') await sendReplies(ctx.api, chatId, [{ text: t('zh', 'page.slowDown') }]);
  });
  telegram.catch((err) => deps.log.error({ err: err.error, updateId: err.ctx.update.update_id }, 'telegram update failed'));
  return telegram;
}

/** Connects to the Bot API: registers the command list, then a webhook or long polling. */
export async function startTelegram(
  telegram: TelegramBot,
  opts: { webhookUrl?: string; webhookSecret?: string; log: Logger },
): Promise<() => Promise<void>> {
  await telegram.init();
  await telegram.api.setMyCommands(COMMANDS);
  if (opts.webhookUrl) {
    await telegram.api.setWebhook(opts.webhookUrl, { secret_token: opts.webhookSecret });
    opts.log.info({ username: telegram.botInfo.username }, 'telegram: webhook set');
    return async () => {};
  }
  await telegram.api.deleteWebhook();
  void telegram.start({ drop_pending_updates: false });
  opts.log.info({ username: telegram.botInfo.username }, 'telegram: long polling');
  return () => telegram.stop();
}

export type { Update };
