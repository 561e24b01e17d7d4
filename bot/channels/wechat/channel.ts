import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import qrcodeTerminal from 'qrcode-terminal';
import { FileBox, type FileBoxInterface } from 'file-box';
import { WechatyBuilder, types, type Message, type Wechaty } from 'wechaty';
import type { AttachmentStore } from '../../conversations/attachments.js';
import { cleanText } from '../../conversations/clean-text.js';
import type { Bot } from '../../dialogue/bot.js';
import type { Inbound, Reply, ReplyFile } from '../../../core/messages.js';
import type { Logger } from '../../../core/platform/log.js';
import type { SentParts } from '../sent-parts.js';
import { renderReply } from './render.js';

type MediaKind = NonNullable<Inbound['attachment']>['kind'];

// Kinds the dialogue cannot use; it asks for text instead.
const OTHER_KINDS: Partial<Record<types.Message, MediaKind>> = {
  [types.Message.Emoticon]: 'sticker',
  [types.Message.Audio]: 'voice',
  [types.Message.Video]: 'video',
  [types.Message.RedEnvelope]: 'money',
  [types.Message.Transfer]: 'money',
};

export type WechatSettings = {
  /** A puppet name (e.g. "wechaty-puppet-service") or a puppet instance. */
  puppet: NonNullable<Parameters<typeof WechatyBuilder.build>[0]>['puppet'];
  puppetToken?: string;
  acceptFriends: boolean;
  /** Where the login QR code is written for the office's administrators. */
  dataDir: string;
};

/**
 * The WeChat channel through Wechaty: private chats only, choices as numbered lines, every
 * message type answered. It holds no dialogue logic.
 */
export function createWechatChannel(settings: WechatSettings, deps: { bot: Bot; log: Logger; attachments: AttachmentStore }): Wechaty {
  const wechaty = WechatyBuilder.build({
    name: 'tingmin',
    puppet: settings.puppet,
    ...(settings.puppetToken ? { puppetOptions: { token: settings.puppetToken } } : {}),
  });
  const { log } = deps;

  wechaty.on('scan', async (qrcode, status) => {
    // Drawn in the terminal for whoever started the process and kept in a file for administrators.
    // The payload logs in as the office: it goes to the log only at debug, never to the shared info log.
    qrcodeTerminal.generate(qrcode, { small: true }, (drawing) => process.stderr.write(`${drawing}\n`));
    const file = join(settings.dataDir, 'wechat-login-qrcode.txt');
    log.info({ status, file }, 'wechat: scan the login QR code with the office account');
    log.debug({ qrcode }, 'wechat: login QR code payload');
    await mkdir(settings.dataDir, { recursive: true });
    await writeFile(file, `${qrcode}\n`);
  });
  wechaty.on('login', (user) => {
    log.info({ account: user.id }, 'wechat: logged in');
  });
  wechaty.on('logout', (user) => {
    log.warn({ account: user.id }, 'wechat: logged out; messages wait in the queue until the next login');
  });
  wechaty.on('error', (err) => log.error({ err }, 'wechat: puppet error'));
  wechaty.on('friendship', async (request) => {
    if (settings.acceptFriends && request.type() === types.Friendship.Receive) await request.accept();
  });
  wechaty.on('message', (message) => handle(message).catch((err) => log.error({ err }, 'wechat: message failed')));

  /** Text, a stored photo or file, a location, or the kind of something the dialogue cannot use. */
  async function read(message: Message): Promise<Pick<Inbound, 'text' | 'attachment' | 'location'>> {
    const type = message.type();
    if (type === types.Message.Text) return { text: cleanText(message.text()) };
    if (type === types.Message.Location) {
      const location = await message.toLocation();
      const name = cleanText(`${location.name()} ${location.address()}`).trim();
      return { text: '', location: { latitude: location.latitude(), longitude: location.longitude(), ...(name ? { name } : {}) } };
    }
    if (type === types.Message.Image || type === types.Message.Attachment) {
      const kind = type === types.Message.Image ? 'photo' : 'file';
      const box = await message.toFileBox();
      if (box.size > deps.attachments.maxBytes) return { text: '', attachment: { kind, refused: 'too_large' } };
      const saved = await deps.attachments.save(await box.toBuffer(), kind);
      return { text: '', attachment: saved.stored ? { kind, id: saved.id } : { kind, refused: saved.reason } };
    }
    return { text: '', attachment: { kind: OTHER_KINDS[type] ?? 'other' } };
  }

  async function handle(message: Message): Promise<void> {
    // The bot's own messages come back as events; group chats are not a reporting channel.
    if (message.self() || message.room()) return;
    const talker = message.talker();
    const base = { channel: 'wechat' as const, userId: talker.id, messageId: message.id, numberedChoices: true };
    const inbound: Inbound = { ...base, ...(await read(message)) };
    await deps.bot.handle(inbound, async (replies) => {
      for (const reply of replies) await talker.say(renderReply(reply));
      return true;
    });
  }

  return wechaty;
}

/** Resolves when the account is logged in (at once if it is); rejects when `signal` aborts first. */
export function loggedIn(wechaty: Wechaty, signal: AbortSignal): Promise<void> {
  if (wechaty.isLoggedIn) return Promise.resolve();
  return new Promise((resolve, reject) => {
    const onLogin = () => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    };
    const onAbort = () => {
      wechaty.off('login', onLogin);
      reject(new Error('stopped before the WeChat account logged in'));
    };
    wechaty.once('login', onLogin);
    signal.addEventListener('abort', onAbort, { once: true });
  });
}

/**
 * A stored file as WeChat sends it: a photo shows as an image, a PDF as a file the resident can
 * open. Base64 because every puppet can carry it (a local path means nothing to a remote puppet).
 */
async function evidenceBox(file: ReplyFile, pathOf: (sha256: string) => string): Promise<FileBoxInterface> {
  const extension = file.mimeType === 'application/pdf' ? 'pdf' : (file.mimeType.split('/')[1] ?? 'bin').replace('jpeg', 'jpg');
  return FileBox.fromBase64((await readFile(pathOf(file.sha256))).toString('base64'), `evidence-${file.id.slice(0, 8)}.${extension}`);
}

/** Replies as WeChat messages: each reply's files first, then its text (choices as numbered lines). */
export async function wechatMessages(replies: Reply[], pathOf: (sha256: string) => string): Promise<(string | FileBoxInterface)[]> {
  const messages: (string | FileBoxInterface)[] = [];
  for (const reply of replies) {
    for (const file of reply.files ?? []) messages.push(await evidenceBox(file, pathOf));
    messages.push(renderReply(reply));
  }
  return messages;
}

/** Sends to a resident by their WeChat contact id (for notifications), skipping the messages a try before sent. */
export async function sayTo(wechaty: Wechaty, contactId: string, messages: (string | FileBoxInterface)[], parts: SentParts): Promise<void> {
  const contact = await wechaty.Contact.find({ id: contactId });
  if (!contact) throw new Error(`wechat contact ${contactId} not found`);
  for (const [i, message] of messages.entries()) await parts.once(String(i), () => contact.say(message));
}
