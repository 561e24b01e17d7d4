import { GrammyError, InlineKeyboard, InputFile, type Api } from 'grammy';
import { ResidentRefuses } from '../../../core/deliveries.js';
import type { Reply, ReplyFile } from '../../../core/messages.js';
import { everyPart } from '../sent-parts.js';

/** Telegram's limit for one message's text. */
const MAX_TEXT = 4096;
const MAX_RETRIES = 3;

function chunks(text: string): string[] {
  const parts: string[] = [];
  for (let rest = text; rest.length > 0; rest = rest.slice(MAX_TEXT)) parts.push(rest.slice(0, MAX_TEXT));
  return parts.length ? parts : [' '];
}

/** Waits out Telegram's flood control (429 with retry_after) a few times before giving up. */
async function withRetry<T>(call: () => Promise<T>): Promise<T> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await call();
    } catch (err) {
      // 403: the resident blocked the bot (or deleted their account); nothing gets through until they write again.
      if (err instanceof GrammyError && err.error_code === 403) throw new ResidentRefuses(err.description);
      const wait = err instanceof GrammyError && err.error_code === 429 ? (err.parameters.retry_after ?? 1) : undefined;
      if (wait === undefined || attempt >= MAX_RETRIES) throw err;
      await new Promise((r) => setTimeout(r, Math.min(wait, 60) * 1000));
    }
  }
}

/**
 * Sends replies as Telegram messages: files first (a photo as a photo, a PDF as a document, read
 * from `pathOf`), then the text, long texts split, choices as an inline keyboard under the last
 * part. Each message is a part of the delivery (`parts`): one a try before sent is not sent again.
 */
export async function sendReplies(api: Api, chatId: number | string, replies: Reply[], pathOf?: (file: ReplyFile) => string, parts = everyPart()): Promise<void> {
  for (const [i, reply] of replies.entries()) {
    for (const [j, file] of (pathOf ? (reply.files ?? []) : []).entries()) {
      const input = () => new InputFile(pathOf!(file));
      await parts.once(`${i}:file:${j}`, () => withRetry<unknown>(() => (file.mimeType.startsWith('image/') ? api.sendPhoto(chatId, input()) : api.sendDocument(chatId, input()))));
    }
    const texts = chunks(reply.text);
    for (const [j, part] of texts.entries()) {
      const last = j === texts.length - 1;
      const keyboard = last && reply.buttons?.length ? InlineKeyboard.from(reply.buttons.map((b) => [InlineKeyboard.text(b.label, b.payload)])) : undefined;
      await parts.once(`${i}:text:${j}`, () => withRetry(() => api.sendMessage(chatId, part, keyboard ? { reply_markup: keyboard } : {})));
    }
  }
}
