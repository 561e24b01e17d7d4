import type { Reply } from '../../../core/messages.js';
import { renderReply } from '../wechat/render.js';
import type { MpApi } from './api.js';

/** The platform's limit for one text message (passive or customer-service), in UTF-8 bytes. */
export const MAX_TEXT_BYTES = 2048;

/** Splits a text into parts of at most MAX_TEXT_BYTES, never inside a character. */
export function splitText(text: string): string[] {
  const parts: string[] = [];
  let part = '';
  let bytes = 0;
  for (const char of text) {
    const size = Buffer.byteLength(char);
    if (bytes + size > MAX_TEXT_BYTES) {
      parts.push(part);
      part = '';
      bytes = 0;
    }
    part += char;
    bytes += size;
  }
  return [...parts, part];
}

/** Replies as WeChat texts (choices as numbered lines), joined into one passive reply when they fit. */
export function renderReplies(replies: Reply[]): string {
  return replies.map(renderReply).join('\n\n');
}

/** Sends replies as customer-service texts, one or more per reply, in order. */
export async function sendReplies(api: MpApi, openId: string, replies: Reply[]): Promise<void> {
  for (const reply of replies) for (const part of splitText(renderReply(reply))) await api.sendText(openId, part);
}
