import type { Reply } from '../../../core/messages.js';

/** WeChat has no buttons: choices become numbered lines under the text. */
export function renderReply(reply: Reply): string {
  if (!reply.buttons?.length) return reply.text;
  return `${reply.text}\n\n${reply.buttons.map((b, i) => `${i + 1}. ${b.label}`).join('\n')}`;
}
