import type { AttachmentStore } from '../../conversations/attachments.js';
import { cleanText } from '../../conversations/clean-text.js';
import type { Inbound } from '../../../core/messages.js';
import type { MpApi } from './api.js';
import { MENU_KEYS } from './menu.js';

type Read = Pick<Inbound, 'text' | 'payload' | 'attachment' | 'location'>;

const OTHER_KINDS = new Map<string, NonNullable<Inbound['attachment']>['kind']>([
  ['video', 'video'],
  ['shortvideo', 'video'],
]);

/**
 * What the dialogue should read from one of the platform's messages or events; undefined for
 * events that need no answer (menu links, reported positions, template receipts).
 */
export async function readMessage(fields: Map<string, string>, deps: { api: MpApi; attachments: AttachmentStore }): Promise<Read | undefined> {
  const type = fields.get('MsgType');
  if (type === 'event') {
    const event = fields.get('Event')?.toLowerCase();
    // Following the account is greeted with the welcome and the menu.
    if (event === 'subscribe') return { payload: 'menu' };
    const key = fields.get('EventKey') ?? '';
    if (event === 'click' && MENU_KEYS.has(key)) return { payload: key };
    return undefined;
  }
  if (type === 'text') return { text: cleanText(fields.get('Content') ?? '') };
  if (type === 'voice') {
    // With speech recognition on, the platform sends the words; otherwise the dialogue asks for text.
    const words = cleanText(fields.get('Recognition') ?? '').trim();
    return words ? { text: words } : { text: '', attachment: { kind: 'voice' } };
  }
  if (type === 'location') {
    const latitude = Number(fields.get('Location_X'));
    const longitude = Number(fields.get('Location_Y'));
    const name = cleanText(fields.get('Label') ?? '').trim();
    if (!Number.isFinite(latitude) || !Number.isFinite(longitude)) return { text: '', attachment: { kind: 'other' } };
    return { text: '', location: { latitude, longitude, ...(name ? { name } : {}) } };
  }
  if (type === 'image' && fields.get('MediaId')) {
    const bytes = await deps.api.media(fields.get('MediaId')!, deps.attachments.maxBytes);
    if (bytes === 'too_large') return { text: '', attachment: { kind: 'photo', refused: 'too_large' } };
    const saved = await deps.attachments.save(bytes, 'photo');
    return { text: '', attachment: saved.stored ? { kind: 'photo', id: saved.id } : { kind: 'photo', refused: saved.reason } };
  }
  return { text: '', attachment: { kind: OTHER_KINDS.get(type ?? '') ?? 'other' } };
}
