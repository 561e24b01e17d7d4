import { Bot as TelegramBot, type Context as TelegramContext } from 'grammy';
import type { Update } from 'grammy/types';
import type { AttachmentKind, AttachmentStore } from '../../conversations/attachments.js';
import { cleanText } from '../../conversations/clean-text.js';
import type { Bot } from '../../dialogue/bot.js';
import type { Inbound } from '../../../core/messages.js';
import { t } from '../../../core/i18n/index.js';
import type { Logger } from '../../../core/platform/log.js';
import { sendReplies } from './send.js';

export type TelegramSettings = { token: string; apiRoot: string };
type ChannelDeps = { settings: TelegramSettings; attachments: AttachmentStore; log: Logger };

/** Commands shown in Telegram's menu; each is answered by the dialogue like the equivalent words. */
const COMMANDS = [
  { command: 'start', description: '开始 / Start' },
  { command: 'status', description: '查询案件 / Case status: /status QH2611250001' },
  { command: 'cancel', description: '取消 / Cancel' },
  { command: 'help', description: '帮助 / Help' },
];

// A relative path inside the Bot API's file area; anything that could reach elsewhere is refused.
function safeFilePath(path: string | undefined): path is string {
  return !!path && !path.startsWith('/') && !/\.\.|[?#\\]/.test(path);
}

/** The body, or undefined as soon as it is longer than `max` (whatever the sender claimed its size to be). */
async function readCapped(res: Response, max: number): Promise<Buffer | undefined> {
  if (Number(res.headers.get('content-length') ?? 0) > max) {
    await res.body?.cancel();
    return undefined;
  }
  const chunks: Uint8Array[] = [];
  let total = 0;
  for await (const chunk of res.body ?? []) {
    total += chunk.length;
    // Leaving the loop cancels the download.
    if (total > max) return undefined;
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
}

/** Downloads a photo or document through the Bot API and stores it; too large ones are refused unread. */
async function storeFile(ctx: TelegramContext, deps: ChannelDeps, kind: AttachmentKind, size?: number): Promise<Inbound['attachment']> {
  const { settings, attachments: store, log } = deps;
  const attachment = { kind } as const;
  if (size !== undefined && size > store.maxBytes) return { ...attachment, refused: 'too_large' };
  const file = await ctx.getFile();
  if (!safeFilePath(file.file_path)) {
    log.warn({ updateId: ctx.update.update_id }, 'telegram: refused a file path outside the file area');
    return { ...attachment, refused: 'unsupported_type' };
  }
  const res = await fetch(`${settings.apiRoot}/file/bot${settings.token}/${file.file_path}`);
  if (!res.ok) throw new Error(`telegram file download failed: ${res.status}`);
  const bytes = await readCapped(res, store.maxBytes);
  if (!bytes) return { ...attachment, refused: 'too_large' };
  const saved = await store.save(bytes, kind);
  return saved.stored ? { ...attachment, id: saved.id } : { ...attachment, refused: saved.reason };
}

/** What the dialogue should read from a Telegram update; undefined when it is not for the bot. */
async function toInbound(ctx: TelegramContext, deps: ChannelDeps): Promise<Inbound | undefined> {
  const chat = ctx.chat;
  // Residents talk to the bot privately; group chats are not a channel for reports.
  if (!chat || chat.type !== 'private' || !ctx.from) return undefined;
  const base = { channel: 'telegram' as const, userId: String(ctx.from.id), messageId: String(ctx.update.update_id) };
  if (ctx.callbackQuery?.data !== undefined) return { ...base, payload: cleanText(ctx.callbackQuery.data) };
  const message = ctx.message;
  if (!message) return undefined;
  const text = cleanText(message.text ?? message.caption ?? '');
  // "/status QH…" reads as "查询 QH…"; the other commands are words the dialogue knows.
  const status = text.match(/^\/status(?:@\w+)?\s*(.*)$/s);
  if (status) return { ...base, text: `查询 ${status[1]}`.trim() };
  if (message.location) {
    const { latitude, longitude } = message.location;
    const name = message.venue ? cleanText(`${message.venue.title} ${message.venue.address}`).trim() : undefined;
    return { ...base, text, location: { latitude, longitude, ...(name ? { name } : {}) } };
  }
  if (message.photo) return { ...base, text, attachment: await storeFile(ctx, deps, 'photo', message.photo.at(-1)?.file_size) };
  if (message.document) return { ...base, text, attachment: await storeFile(ctx, deps, 'file', message.document.file_size) };
  if (message.text !== undefined) return { ...base, text };
  return { ...base, text, attachment: { kind: otherKind(message) } };
}

function otherKind(message: NonNullable<TelegramContext['message']>): NonNullable<Inbound['attachment']>['kind'] {
  if (message.voice || message.audio) return 'voice';
  if (message.video || message.video_note) return 'video';
  if (message.sticker) return 'sticker';
  return 'other';
}

/**
 * The Telegram channel: translates updates into the one inbound shape and replies into messages
 * with inline keyboards. It holds no dialogue logic.
 */
export function createTelegramChannel(settings: TelegramSettings, deps: { bot: Bot; log: Logger; attachments: AttachmentStore }): TelegramBot {
  const telegram = new TelegramBot(settings.token, { client: { apiRoot: settings.apiRoot } });
  telegram.use(async (ctx) => {
    if (ctx.callbackQuery) await ctx.answerCallbackQuery().catch(() => {});
    const inbound = await toInbound(ctx, { settings, attachments: deps.attachments, log: deps.log });
    if (!inbound || !ctx.chat) return;
    const chatId = ctx.chat.id;
    const result = await deps.bot.handle(inbound, async (replies) => {
      await sendReplies(ctx.api, chatId, replies);
      return true;
    });
    // Over the limit no turn runs, so the resident's language is not known here: say it in both.
    if (result.kind === 'limited') await sendReplies(ctx.api, chatId, [{ text: `${t('zh', 'page.slowDown')}\n${t('en', 'page.slowDown')}` }]);
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
