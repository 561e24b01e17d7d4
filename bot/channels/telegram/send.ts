import { GrammyError, InlineKeyboard, type Api } from 'grammy';
import type { Reply } from '../../../core/messages.js';

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
      const wait = err instanceof GrammyError && err.error_code === 429 ? (err.parameters.retry_after ?? 1) : undefined;
      if (wait === undefined || attempt >= MAX_RETRIES) throw err;
      await new Promise((r) => setTimeout(r, Math.min(wait, 60) * 1000));
    }
  }
}

/** Sends replies as Telegram messages: long texts split, choices as an inline keyboard under the last part. */
export async function sendReplies(api: Api, chatId: number | string, replies: Reply[]): Promise<void> {
  for (const reply of replies) {
    const parts = chunks(reply.text);
    for (const [i, part] of parts.entries()) {
      const last = i === parts.length - 1;
      const keyboard = last && reply.buttons?.length ? InlineKeyboard.from(reply.buttons.map((b) => [InlineKeyboard.text(b.label, b.payload)])) : undefined;
      await withRetry(() => api.sendMessage(chatId, part, keyboard ? { reply_markup: keyboard } : {}));
    }
  }
}
