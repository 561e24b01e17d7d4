import { readFile } from 'node:fs/promises';
import { t, type Lang } from '../../../core/i18n/index.js';
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

/** Images the platform takes as temporary media (PNG, JPEG, GIF). */
const MEDIA_IMAGES = new Set(['image/jpeg', 'image/png', 'image/gif']);

/** What a reply's files need: where their bytes are, and the resident's language for the note on the others. */
export type FileSending = { pathOf: (sha256: string) => string; lang: Lang };

/**
 * Sends replies as customer-service messages, in order: a reply's photos as image messages
 * (uploaded as temporary media), its text in one or more parts, then, since the customer-service
 * API has no file message, a line saying how many other files (PDFs) could not be sent.
 */
export async function sendReplies(api: MpApi, openId: string, replies: Reply[], files?: FileSending): Promise<void> {
  for (const reply of replies) {
    const attached = files ? (reply.files ?? []) : [];
    const images = attached.filter((f) => MEDIA_IMAGES.has(f.mimeType));
    for (const image of images) await api.sendImage(openId, image, () => readFile(files!.pathOf(image.sha256)));
    for (const part of splitText(renderReply(reply))) await api.sendText(openId, part);
    const others = attached.length - images.length;
    if (others) await api.sendText(openId, t(files!.lang, 'evidence.pdfNotSent', { count: others }));
  }
}
