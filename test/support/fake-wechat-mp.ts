import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

const WINDOW_MS = 48 * 3600 * 1000;

type TemplateSend = { touser: string; template_id: string; client_msg_id?: string; data: Record<string, { value: string }> };

/**
 * A local stand-in for the Official Account API (api.weixin.qq.com is not reachable here): issues
 * access tokens and can expire them, records customer-service and template messages, refuses
 * customer-service messages 48 hours after the follower last wrote (45015), serves media, and
 * takes image uploads (multipart/form-data, field `media`) for image messages.
 */
export class FakeWechatMp {
  tokensIssued = 0;
  readonly customSends: { touser: string; content: string }[] = [];
  readonly templateSends: TemplateSend[] = [];
  readonly menus: unknown[] = [];
  readonly media = new Map<string, Buffer>();
  /** Temporary media uploaded by Tingmin (POST /cgi-bin/media/upload). */
  readonly uploads: { mediaId: string; type: string; filename: string; contentType: string; bytes: Buffer }[] = [];
  /** Customer-service image messages, by media id. */
  readonly imageSends: { touser: string; mediaId: string }[] = [];
  /** Every customer-service message in order, text or image, as "text:…" or "image:<media id>". */
  readonly customOrder: { touser: string; item: string }[] = [];
  /** How many of the next API calls answer 45009 (rate limited). */
  rateLimitNext = 0;
  /** Per follower, how many of the next customer-service texts to them answer -1 (the platform is busy), sending nothing. */
  readonly busyTexts = new Map<string, number>();
  /** Template messages are refused as the follower blocked them (43101). */
  refuseTemplates = false;
  /** Media downloads wait this long (to make a turn miss the 5-second reply). */
  mediaDelayMs = 0;
  private readonly valid = new Set<string>();
  private readonly lastWrote = new Map<string, number>();
  private server?: Server;

  constructor(private readonly opts: { appId: string; secret: string; now: () => Date }) {}

  /** The follower wrote to the account: the customer-service window opens for 48 hours. */
  wrote(openId: string): void {
    this.lastWrote.set(openId, this.opts.now().getTime());
  }

  /** The platform considers the window over (whatever Tingmin's clock says). */
  closeWindow(openId: string): void {
    this.lastWrote.delete(openId);
  }

  /** The platform drops every temporary media id before its 3 days (image messages answer 40007). */
  forgetUploads(): void {
    this.uploads.length = 0;
  }

  /** The platform forgets every token, as when it rotates them; calls answer 42001 until a new one is fetched. */
  expireTokens(): void {
    this.valid.clear();
  }

  texts(openId: string): string[] {
    return this.customSends.filter((s) => s.touser === openId).map((s) => s.content);
  }

  templates(openId: string): TemplateSend[] {
    return this.templateSends.filter((s) => s.touser === openId);
  }

  async start(): Promise<string> {
    this.server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (d: Buffer) => chunks.push(d));
      req.on('end', () => {
        void this.answer(new URL(req.url ?? '/', 'http://fake'), Buffer.concat(chunks), req.headers['content-type'] ?? '').then(({ json, bytes }) => {
          if (bytes) {
            res.setHeader('content-type', 'image/jpeg');
            res.setHeader('content-length', String(bytes.length));
            res.end(bytes);
            return;
          }
          res.setHeader('content-type', 'application/json; encoding=utf-8');
          res.end(JSON.stringify(json));
        });
      });
    });
    await new Promise<void>((r) => this.server!.listen(0, '127.0.0.1', r));
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  private async answer(url: URL, body: Buffer, contentType: string): Promise<{ json?: unknown; bytes?: Buffer }> {
    const raw = contentType.startsWith('multipart/') ? '' : body.toString();
    const q = url.searchParams;
    if (url.pathname === '/cgi-bin/token') {
      if (q.get('appid') !== this.opts.appId || q.get('secret') !== this.opts.secret) return { json: { errcode: 40001, errmsg: 'invalid credential' } };
      const token = randomBytes(24).toString('base64url');
      this.valid.add(token);
      this.tokensIssued++;
      return { json: { access_token: token, expires_in: 7200 } };
    }
    if (this.rateLimitNext > 0) {
      this.rateLimitNext--;
      return { json: { errcode: 45009, errmsg: 'reach max api daily quota limit' } };
    }
    if (!this.valid.has(q.get('access_token') ?? '')) return { json: { errcode: 42001, errmsg: 'access_token expired' } };
    const json = raw ? (JSON.parse(raw) as Record<string, unknown>) : {};
    switch (url.pathname) {
      case '/cgi-bin/message/custom/send': {
        const touser = String(json.touser);
        if (this.opts.now().getTime() - (this.lastWrote.get(touser) ?? -Infinity) >= WINDOW_MS) return { json: { errcode: 45015, errmsg: 'response out of time limit' } };
        if (json.msgtype === 'image') {
          const mediaId = String((json.image as { media_id?: string } | undefined)?.media_id);
          if (!this.uploads.some((u) => u.mediaId === mediaId)) return { json: { errcode: 40007, errmsg: 'invalid media_id' } };
          this.imageSends.push({ touser, mediaId });
          this.customOrder.push({ touser, item: `image:${mediaId}` });
          return { json: { errcode: 0, errmsg: 'ok' } };
        }
        const busy = this.busyTexts.get(touser) ?? 0;
        if (busy > 0) {
          this.busyTexts.set(touser, busy - 1);
          return { json: { errcode: -1, errmsg: 'system error' } };
        }
        this.customSends.push({ touser, content: (json.text as { content: string }).content });
        this.customOrder.push({ touser, item: `text:${(json.text as { content: string }).content}` });
        return { json: { errcode: 0, errmsg: 'ok' } };
      }
      case '/cgi-bin/media/upload': {
        const part = mediaPart(body, contentType);
        const type = q.get('type') ?? '';
        // Images: PNG, JPEG, GIF, at most 10 MB (the platform's rules for temporary media).
        if (type !== 'image' || !part || !/^image\/(png|jpeg|gif)$/.test(part.contentType) || part.bytes.length > 10 * 1024 * 1024) {
          return { json: { errcode: 40004, errmsg: 'invalid media type' } };
        }
        const mediaId = randomBytes(16).toString('base64url');
        this.uploads.push({ mediaId, type, ...part });
        return { json: { type, media_id: mediaId, created_at: Math.floor(this.opts.now().getTime() / 1000) } };
      }
      case '/cgi-bin/message/template/send':
        if (this.refuseTemplates) return { json: { errcode: 43101, errmsg: 'user refuse to accept the msg' } };
        this.templateSends.push(json as TemplateSend);
        return { json: { errcode: 0, errmsg: 'ok', msgid: this.templateSends.length } };
      case '/cgi-bin/menu/create':
        this.menus.push(json);
        return { json: { errcode: 0, errmsg: 'ok' } };
      case '/cgi-bin/media/get': {
        await new Promise((r) => setTimeout(r, this.mediaDelayMs));
        const bytes = this.media.get(q.get('media_id') ?? '');
        return bytes ? { bytes } : { json: { errcode: 40007, errmsg: 'invalid media_id' } };
      }
      default:
        return { json: { errcode: 40066, errmsg: 'invalid url' } };
    }
  }

  async stop(): Promise<void> {
    await new Promise((r) => this.server?.close(r));
  }
}

/** The `media` part of a multipart/form-data body, as a form upload (curl -F media=@file) sends it. */
function mediaPart(body: Buffer, contentType: string): { filename: string; contentType: string; bytes: Buffer } | undefined {
  const boundary = /boundary="?([^";]+)"?/.exec(contentType)?.[1];
  if (!boundary) return undefined;
  const delimiter = Buffer.from(`--${boundary}`);
  for (let start = body.indexOf(delimiter); start !== -1; ) {
    const next = body.indexOf(delimiter, start + delimiter.length);
    if (next === -1) break;
    const part = body.subarray(start + delimiter.length + 2, next - 2);
    const headEnd = part.indexOf('\r\n\r\n');
    const head = part.subarray(0, headEnd).toString();
    if (/name="media"/.test(head)) {
      return { filename: /filename="([^"]*)"/.exec(head)?.[1] ?? '', contentType: /content-type:\s*([^\r\n]+)/i.exec(head)?.[1] ?? '', bytes: part.subarray(headEnd + 4) };
    }
    start = next;
  }
  return undefined;
}

/**
 * The platform's side of safe mode, written from its documentation (not from Tingmin's code, so a
 * mistake there cannot cancel itself out): AES-256-CBC, IV = the key's first 16 bytes,
 * PKCS#7 to 32 bytes, random(16) + length(4) + XML + AppID.
 */
export function platformEncrypt(encodingAesKey: string, appId: string, xml: string): string {
  const key = Buffer.from(encodingAesKey + '=', 'base64');
  const msg = Buffer.from(xml);
  const head = Buffer.alloc(20);
  randomBytes(16).copy(head);
  head.writeUInt32BE(msg.length, 16);
  const text = Buffer.concat([head, msg, Buffer.from(appId)]);
  const n = 32 - (text.length % 32);
  const aes = createCipheriv('aes-256-cbc', key, key.subarray(0, 16));
  aes.setAutoPadding(false);
  return Buffer.concat([aes.update(Buffer.concat([text, Buffer.alloc(n, n)])), aes.final()]).toString('base64');
}

export function platformDecrypt(encodingAesKey: string, encrypted: string): { xml: string; appId: string } {
  const key = Buffer.from(encodingAesKey + '=', 'base64');
  const aes = createDecipheriv('aes-256-cbc', key, key.subarray(0, 16));
  aes.setAutoPadding(false);
  const padded = Buffer.concat([aes.update(Buffer.from(encrypted, 'base64')), aes.final()]);
  const text = padded.subarray(0, padded.length - padded[padded.length - 1]!);
  const length = text.readUInt32BE(16);
  return { xml: text.subarray(20, 20 + length).toString(), appId: text.subarray(20 + length).toString() };
}
