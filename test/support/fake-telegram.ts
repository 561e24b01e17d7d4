import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export type ApiCall = { method: string; body: Record<string, unknown>; failed?: boolean };
/** A file uploaded in a multipart call (sendPhoto, sendDocument). */
export type Upload = { field: string; bytes: Buffer };

/**
 * A local stand-in for the Telegram Bot API (no Telegram server is reachable here): answers the
 * methods Tingmin uses, records every call, and can answer 429 to make flood control testable.
 */
export class FakeTelegram {
  readonly calls: ApiCall[] = [];
  /** How many of the next sendMessage calls answer 429 with retry_after 1. */
  floodNext = 0;
  /** While true, sendMessage answers 500 (Telegram is down) and sends nothing. */
  down = false;
  /** Chats whose resident blocked the bot: sendMessage to them answers 403, as Telegram does. */
  readonly blocked = new Set<number>();
  /** Chats Telegram cannot deliver to for now: sendMessage to them answers 502, as in an outage of Telegram's own. */
  readonly failing = new Set<number>();
  /** Files residents "sent", served for download by file path. */
  readonly files = new Map<string, Buffer>();
  /** File paths served as an endless stream of unknown length, until the client hangs up. */
  readonly endless = new Set<string>();
  /** Endless downloads the client hung up on. */
  readonly abandoned: string[] = [];
  /** The file_path getFile answers for a file_id (else `files/<file_id>`). */
  readonly filePaths = new Map<string, string>();
  /** Every request's URL, in order. */
  readonly requests: string[] = [];
  /** How long each sendMessage takes to answer (a slow Telegram), and the most answered at once. */
  sendMs = 0;
  mostSendsAtOnce = 0;
  private sendsAtOnce = 0;
  private server?: Server;
  private nextMessageId = 1;

  async start(): Promise<string> {
    this.server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (d: Buffer) => chunks.push(d));
      req.on('end', () => {
        const bytes = Buffer.concat(chunks);
        const raw = bytes.toString('utf8');
        this.requests.push(req.url ?? '');
        const file = req.url?.match(/^\/file\/bot[^/]+\/(.+)$/)?.[1];
        if (file && this.endless.has(file)) {
          const chunk = Buffer.alloc(64 * 1024, 0xff);
          const pump = () => {
            while (!res.destroyed && res.write(chunk));
          };
          res.on('drain', pump);
          res.on('close', () => this.abandoned.push(file));
          pump();
          return;
        }
        if (file) {
          const bytes = this.files.get(file);
          res.statusCode = bytes ? 200 : 404;
          res.end(bytes);
          return;
        }
        const method = req.url?.split('/').at(-1) ?? '';
        // Uploads come as multipart/form-data: the fields, and each file's bytes under its field name.
        const multipart = String(req.headers['content-type'] ?? '').startsWith('multipart/form-data');
        const body = multipart ? formFields(bytes, String(req.headers['content-type'])) : raw ? (JSON.parse(raw) as Record<string, unknown>) : {};
        res.setHeader('content-type', 'application/json');
        if (this.down && method === 'sendMessage') {
          this.calls.push({ method, body, failed: true });
          res.statusCode = 500;
          res.end(JSON.stringify({ ok: false, error_code: 500, description: 'Internal Server Error' }));
          return;
        }
        if (method === 'sendMessage' && this.blocked.has(Number(body.chat_id))) {
          this.calls.push({ method, body, failed: true });
          res.statusCode = 403;
          res.end(JSON.stringify({ ok: false, error_code: 403, description: 'Forbidden: bot was blocked by the user' }));
          return;
        }
        if (method === 'sendMessage' && this.failing.has(Number(body.chat_id))) {
          this.calls.push({ method, body, failed: true });
          res.statusCode = 502;
          res.end(JSON.stringify({ ok: false, error_code: 502, description: 'Bad Gateway' }));
          return;
        }
        this.calls.push({ method, body });
        if (method !== 'sendMessage' || !this.sendMs) return res.end(JSON.stringify(this.answer(method, body)));
        this.mostSendsAtOnce = Math.max(this.mostSendsAtOnce, ++this.sendsAtOnce);
        setTimeout(() => {
          this.sendsAtOnce--;
          res.end(JSON.stringify(this.answer(method, body)));
        }, this.sendMs);
      });
    });
    await new Promise<void>((r) => this.server!.listen(0, '127.0.0.1', r));
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  private answer(method: string, body: Record<string, unknown>): unknown {
    switch (method) {
      case 'getMe':
        return { ok: true, result: { id: 4242, is_bot: true, first_name: 'Tingmin', username: 'tingmin_test_bot', can_join_groups: false, can_read_all_group_messages: false, supports_inline_queries: false } };
      case 'sendMessage':
        if (this.floodNext > 0) {
          this.floodNext--;
          return { ok: false, error_code: 429, description: 'Too Many Requests: retry after 1', parameters: { retry_after: 1 } };
        }
        return { ok: true, result: { message_id: this.nextMessageId++, date: 0, chat: { id: body.chat_id, type: 'private' }, text: body.text } };
      case 'getFile':
        return { ok: true, result: { file_id: body.file_id, file_unique_id: 'u', file_path: this.filePaths.get(String(body.file_id)) ?? `files/${String(body.file_id)}` } };
      default:
        return { ok: true, result: true };
    }
  }

  /** Files sent to a chat (sendPhoto, sendDocument), in order. */
  uploads(chatId: number): { method: string; bytes: Buffer }[] {
    return this.calls
      .filter((c) => (c.method === 'sendPhoto' || c.method === 'sendDocument') && String(c.body.chat_id) === String(chatId))
      .map((c) => ({ method: c.method, bytes: (c.body.upload as Upload).bytes }));
  }

  sent(chatId: number): { text: string; buttons: { text: string; callback_data: string }[] }[] {
    return this.calls
      .filter((c) => c.method === 'sendMessage' && !c.failed && c.body.chat_id === chatId)
      .map((c) => ({
        text: String(c.body.text),
        buttons: ((c.body.reply_markup as { inline_keyboard?: { text: string; callback_data: string }[][] } | undefined)?.inline_keyboard ?? []).flat(),
      }));
  }

  async stop(): Promise<void> {
    await new Promise((r) => this.server?.close(r));
  }
}

/** Settings that turn Telegram on against `api` with a webhook, and a data folder of the test's own. */
export async function telegramSettings(api: FakeTelegram, secret: string): Promise<Record<string, string>> {
  return {
    DATA_DIR: await mkdtemp(join(tmpdir(), 'tingmin-telegram-')),
    TELEGRAM_BOT_TOKEN: '123456:TEST',
    TELEGRAM_API_ROOT: await api.start(),
    TELEGRAM_WEBHOOK_URL: 'https://hotline.example.test/telegram/webhook',
    TELEGRAM_WEBHOOK_SECRET: secret,
  };
}

/** A multipart body's fields; a file's field holds `{ field, bytes }` and is also under `upload`. */
function formFields(bytes: Buffer, contentType: string): Record<string, unknown> {
  const match = /boundary=(?:"([^"]+)"|([^;]+))/.exec(contentType);
  const delimiter = Buffer.from(`--${match?.[1] ?? match?.[2] ?? ''}`);
  const body: Record<string, unknown> = {};
  for (let start = bytes.indexOf(delimiter); start !== -1; ) {
    const next = bytes.indexOf(delimiter, start + delimiter.length);
    if (next === -1) break;
    // A part: CRLF, its headers, a blank line, its content, CRLF before the next delimiter.
    const part = bytes.subarray(start + delimiter.length + 2, next - 2);
    const split = part.indexOf('\r\n\r\n');
    const headers = part.subarray(0, Math.max(split, 0)).toString();
    const name = /name="([^"]+)"/.exec(headers)?.[1];
    if (split !== -1 && name) {
      const content = part.subarray(split + 4);
      body[name] = /filename=/.test(headers) ? (body.upload = { field: name, bytes: Buffer.from(content) } satisfies Upload) : content.toString();
    }
    start = next;
  }
  return body;
}

/** A private chat's resident (the chat id is the user id), as Telegram describes both in an update. */
export const telegramPerson = (id: number) => ({ id, is_bot: false, first_name: 'Resident' });
export const telegramPrivateChat = (id: number) => ({ id, type: 'private', first_name: 'Resident' });

/**
 * Residents writing to the bot as Telegram posts their updates to the webhook (each with an update
 * id of its own): `deliver` any update, `text` a message, `press` a button; `app` is read at each
 * call, so it may be the harness's before the harness has started.
 */
export function telegramResidents(app: () => { inject: (opts: { method: 'POST'; url: string; headers: Record<string, string>; payload: object }) => Promise<{ statusCode: number }> }, secret: string) {
  let updateId = 1000;
  const deliver = (update: Record<string, unknown>, withSecret = secret) =>
    app().inject({ method: 'POST', url: '/telegram/webhook', headers: { 'x-telegram-bot-api-secret-token': withSecret }, payload: { update_id: updateId++, ...update } });
  return {
    deliver,
    nextUpdateId: () => updateId++,
    text: (chat: number, body: string, extra: Record<string, unknown> = {}) =>
      deliver({ message: { message_id: updateId, date: 0, chat: telegramPrivateChat(chat), from: telegramPerson(chat), text: body, ...extra } }),
    press: (chat: number, data: string) =>
      deliver({ callback_query: { id: `cb${updateId}`, from: telegramPerson(chat), chat_instance: 'ci', data, message: { message_id: 1, date: 0, chat: telegramPrivateChat(chat) } } }),
  };
}
