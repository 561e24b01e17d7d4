import { readFile } from 'node:fs/promises';
import { t, type Lang } from '../../../core/i18n/index.js';
import type { Reply } from '../../../core/messages.js';
import { renderReply } from '../wechat/render.js';
import { everyPart, type SentParts } from '../sent-parts.js';
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

/** The name of a reply's sending as a whole, among a delivery's parts (SentParts). */
const wholeReply = (index: number) => String(index);

/** The replies an earlier try did not wholly send. */
export function unsent(replies: Reply[], parts: SentParts): Reply[] {
  return replies.filter((_, i) => !parts.has(wholeReply(i)));
}

/**
 * Sends replies as customer-service messages, in order: a reply's photos as image messages
 * (uploaded as temporary media), its text in one or more parts, then, since the customer-service
 * API has no file message, a line saying how many other files (PDFs) could not be sent. Each
 * message is a part of the delivery (`parts`): one a try before sent is not sent again.
 */
export async function sendReplies(api: MpApi, openId: string, replies: Reply[], files?: FileSending, parts = everyPart()): Promise<void> {
  for (const [i, reply] of replies.entries()) {
    const attached = files ? (reply.files ?? []) : [];
    const images = attached.filter((f) => MEDIA_IMAGES.has(f.mimeType));
    const others = attached.length - images.length;
    const messages = [
      ...images.map((image) => () => api.sendImage(openId, image, () => readFile(files!.pathOf(image.sha256)))),
      ...splitText(renderReply(reply)).map((part) => () => api.sendText(openId, part)),
      ...(others ? [() => api.sendText(openId, t(files!.lang, 'evidence.pdfNotSent', { count: others }))] : []),
    ];
    for (const [j, send] of messages.entries()) await parts.once(`${i}:${j}`, send, j === messages.length - 1 ? wholeReply(i) : undefined);
  }
}
