import { randomBytes } from 'node:crypto';
import type { AppRedis } from '../../../core/platform/redis.js';

export type MpApiSettings = { appId: string; secret: string; apiRoot: string };

/** An error the platform answered with (`errcode`), e.g. 45015 outside the customer-service window. */
export class MpApiError extends Error {
  constructor(
    readonly code: number,
    message: string,
  ) {
    super(`wechat-mp api error ${code}: ${message}`);
  }
}

/** The token was refused as invalid (40001, 40014) or expired (42001): fetch a new one at once. */
const TOKEN_REFUSED = new Set([40001, 40014, 42001]);
/** The platform's rate limit for an API. */
const RATE_LIMITED = 45009;
const RATE_LIMIT_TRIES = 4;
/** A token is replaced this long before the platform says it expires (the old one stays valid 5 min after). */
const EARLY_SECONDS = 300;
const LOCK_MS = 15_000;
const REQUEST_TIMEOUT_MS = 10_000;
/** A temporary media id lives 3 days on the platform; it is reused for 2, for every resident the file goes to. */
const MEDIA_SECONDS = 2 * 24 * 3600;
/** The platform does not know the media id (expired early, or another account's). */
const INVALID_MEDIA = 40007;
const UNLOCK = `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) else return 0 end`;

type Json = Record<string, unknown> & { errcode?: number; errmsg?: string };
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * The Official Account API. The access token lives in Redis for every process: one process at a
 * time (a Redis lock) fetches a new one when it is missing, close to expiry, or refused.
 */
export class MpApi {
  constructor(
    private readonly settings: MpApiSettings,
    private readonly redis: AppRedis,
    private readonly prefix: string,
    /** First wait after a 45009; doubled on each further one. */
    private readonly backoffMs = 1000,
  ) {}

  private key(name: string): string {
    return `${this.prefix}:wechat-mp:${name}`;
  }

  private async request(method: 'GET' | 'POST', path: string, query: Record<string, string>, body?: unknown): Promise<Response> {
    const url = new URL(path, this.settings.apiRoot);
    for (const [name, value] of Object.entries(query)) url.searchParams.set(name, value);
    // A form (an upload) sets its own multipart content type; anything else goes as JSON.
    const payload = body === undefined ? {} : body instanceof FormData ? { body } : { headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) };
    // The URL carries the secret or the token: errors name the path only.
    const res = await fetch(url, { method, signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS), ...payload }).catch((err: Error) => {
      throw new Error(`wechat-mp ${path}: ${err.message}`);
    });
    if (!res.ok) throw new Error(`wechat-mp ${path}: HTTP ${res.status}`);
    return res;
  }

  /** Calls `send` until it is not rate-limited, waiting longer each time. */
  private async patiently<T>(send: () => Promise<T | Json>, isError: (r: T | Json) => r is Json): Promise<T | Json> {
    for (let attempt = 1; ; attempt++) {
      const result = await send();
      if (!isError(result) || result.errcode !== RATE_LIMITED || attempt >= RATE_LIMIT_TRIES) return result;
      await sleep(this.backoffMs * 2 ** (attempt - 1));
    }
  }

  private async fetchToken(): Promise<{ token: string; seconds: number }> {
    const { appId, secret } = this.settings;
    const json = await this.patiently(
      async () => (await this.request('GET', '/cgi-bin/token', { grant_type: 'client_credential', appid: appId, secret })).json() as Promise<Json>,
      (r): r is Json => Boolean(r.errcode),
    );
    if (json.errcode || typeof json.access_token !== 'string') throw new MpApiError(json.errcode ?? -1, json.errmsg ?? 'no access_token');
    return { token: json.access_token, seconds: Number(json.expires_in) || 7200 };
  }

  /** The current access token, fetched when there is none. */
  async token(): Promise<string> {
    return (await this.redis.get(this.key('token'))) ?? this.refresh();
  }

  /** A token other than `stale`: fetched by this process if it wins the lock, else waited for. */
  private async refresh(stale?: string): Promise<string> {
    const deadline = Date.now() + LOCK_MS;
    while (Date.now() < deadline) {
      const current = await this.redis.get(this.key('token'));
      if (current && current !== stale) return current;
      const owner = randomBytes(8).toString('hex');
      if (await this.redis.set(this.key('token-lock'), owner, { NX: true, PX: LOCK_MS })) {
        try {
          const again = await this.redis.get(this.key('token'));
          if (again && again !== stale) return again;
          const { token, seconds } = await this.fetchToken();
          await this.redis.set(this.key('token'), token, { EX: Math.max(60, seconds - EARLY_SECONDS) });
          return token;
        } finally {
          await this.redis.eval(UNLOCK, { keys: [this.key('token-lock')], arguments: [owner] });
        }
      }
      await sleep(100);
    }
    throw new Error('wechat-mp: no access token (another process holds the refresh lock)');
  }

  /** Runs an API request with the token, renewing a refused token once and waiting out rate limits. */
  private async withToken<T>(send: (token: string) => Promise<T | Json>, isError: (r: T | Json) => r is Json): Promise<T> {
    let token = await this.token();
    for (let renewed = false; ; renewed = true) {
      const result = await this.patiently(() => send(token), isError);
      if (!isError(result)) return result as T;
      if (TOKEN_REFUSED.has(result.errcode!) && !renewed) {
        token = await this.refresh(token);
        continue;
      }
      throw new MpApiError(result.errcode!, result.errmsg ?? '');
    }
  }

  private post(path: string, body: unknown): Promise<Json> {
    return this.withToken(
      async (token) => (await this.request('POST', path, { access_token: token }, body)).json() as Promise<Json>,
      (r): r is Json => Boolean(r.errcode),
    );
  }

  /**
   * The temporary media id of an image (新增临时素材, multipart field `media`), uploaded once and
   * then reused while the platform keeps it: retries and other residents send the same upload.
   */
  private async imageMediaId(file: { sha256: string; mimeType: string }, read: () => Promise<Buffer>, fresh = false): Promise<string> {
    const key = this.key(`media:${file.sha256}`);
    const cached = fresh ? null : await this.redis.get(key);
    if (cached) return cached;
    const bytes = await read();
    const form = () => {
      const data = new FormData();
      data.append('media', new Blob([new Uint8Array(bytes)], { type: file.mimeType }), `${file.sha256.slice(0, 16)}.${file.mimeType.split('/')[1]}`);
      return data;
    };
    // A new form per try: a body is read once.
    const json = await this.withToken(
      async (token) => (await this.request('POST', '/cgi-bin/media/upload', { access_token: token, type: 'image' }, form())).json() as Promise<Json>,
      (r): r is Json => Boolean(r.errcode),
    );
    if (typeof json.media_id !== 'string') throw new MpApiError(-1, 'no media_id in the upload answer');
    await this.redis.set(key, json.media_id, { EX: MEDIA_SECONDS });
    return json.media_id;
  }

  /**
   * A customer-service image message (within the 48-hour window, like a text) of a stored image,
   * uploaded when the platform does not hold it (any more: 40007 is a media id it dropped).
   */
  async sendImage(openId: string, file: { sha256: string; mimeType: string }, read: () => Promise<Buffer>): Promise<void> {
    const send = async (fresh: boolean) =>
      this.post('/cgi-bin/message/custom/send', { touser: openId, msgtype: 'image', image: { media_id: await this.imageMediaId(file, read, fresh) } });
    await send(false).catch((err: unknown) => {
      if (err instanceof MpApiError && err.code === INVALID_MEDIA) return send(true);
      throw err;
    });
  }

  /** A customer-service (客服) text message: only within 48 hours of the resident's last message. */
  async sendText(openId: string, content: string): Promise<void> {
    await this.post('/cgi-bin/message/custom/send', { touser: openId, msgtype: 'text', text: { content } });
  }

  /** A template message; `clientMsgId` lets the platform drop a repeat within 10 minutes. */
  async sendTemplate(openId: string, templateId: string, data: Record<string, { value: string }>, clientMsgId: string): Promise<void> {
    await this.post('/cgi-bin/message/template/send', { touser: openId, template_id: templateId, client_msg_id: clientMsgId, data });
  }

  async createMenu(menu: unknown): Promise<void> {
    await this.post('/cgi-bin/menu/create', menu);
  }

  /** A file a resident sent (a temporary media id), or 'too_large' without reading past `maxBytes`. */
  async media(mediaId: string, maxBytes: number): Promise<Buffer | 'too_large'> {
    return this.withToken(
      async (token): Promise<Buffer | 'too_large' | Json> => {
        const res = await this.request('GET', '/cgi-bin/media/get', { access_token: token, media_id: mediaId });
        // Errors come back as JSON, files as their bytes.
        if (/json|text\/plain/.test(res.headers.get('content-type') ?? '')) return (await res.json()) as Json;
        if (Number(res.headers.get('content-length') ?? 0) > maxBytes) {
          await res.body?.cancel();
          return 'too_large';
        }
        const chunks: Buffer[] = [];
        let size = 0;
        for await (const chunk of res.body ?? []) {
          size += chunk.length;
          if (size > maxBytes) return 'too_large';
          chunks.push(Buffer.from(chunk));
        }
        return Buffer.concat(chunks);
      },
      (r): r is Json => !Buffer.isBuffer(r) && r !== 'too_large',
    );
  }
}
