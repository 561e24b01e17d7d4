import { isIP } from 'node:net';
import { z } from 'zod';
import { parseOfficeHours } from '../handoff/office-hours.js';

// An address (192.0.2.1, ::1) or a range of them (10.0.0.0/8, fd00::/8).
function isAddressOrRange(entry: string): boolean {
  const [address = '', bits, extra] = entry.split('/');
  const family = isIP(address);
  if (!family || extra !== undefined) return false;
  return bits === undefined || (/^\d{1,3}$/.test(bits) && Number(bits) <= (family === 4 ? 32 : 128));
}

/**
 * TRUST_PROXY: false, how many proxies stand in front, or the proxies' addresses and ranges.
 * "true" is refused: it trusts the leftmost X-Forwarded-For address, which the client writes itself.
 */
function trustProxy(value: string, ctx: z.RefinementCtx): false | number | string[] {
  const v = value.trim();
  if (v === 'false' || v === '0') return false;
  if (/^\d{1,2}$/.test(v)) return Number(v);
  const list = v.split(',').map((entry) => entry.trim());
  if (v !== 'true' && list.every(isAddressOrRange)) return list;
  ctx.addIssue({
    code: 'custom',
    message: 'the number of proxies in front (e.g. 1) or their addresses and ranges (e.g. 10.0.0.0/8,192.0.2.10), or false; "true" would let clients choose their own address',
  });
  return z.NEVER;
}

// Tokens and secrets travel to these addresses: plain HTTP only to this machine (a local server or fake).
export function encryptedOrLoopback(url: string): boolean {
  const { protocol, hostname } = new URL(url);
  if (protocol === 'https:') return true;
  return protocol === 'http:' && (hostname === 'localhost' || hostname === '[::1]' || /^127(\.\d{1,3}){3}$/.test(hostname));
}

/** WECHAT_MP_TEMPLATE_FIELDS: "field:source" pairs, a source being number, summary or time. */
const TEMPLATE_SOURCES = ['number', 'summary', 'time'] as const;
export type TemplateSource = (typeof TEMPLATE_SOURCES)[number];
function templateFields(value: string, ctx: z.RefinementCtx): [string, TemplateSource][] {
  const pairs = value.split(',').map((pair) => pair.trim().split(':').map((part) => part.trim()));
  if (!pairs.every(([field, source, extra]) => field && /^[A-Za-z0-9_]+$/.test(field) && TEMPLATE_SOURCES.includes(source as TemplateSource) && extra === undefined)) {
    ctx.addIssue({ code: 'custom', message: 'pairs like character_string1:number,thing2:summary,time3:time (sources: number, summary, time)' });
    return z.NEVER;
  }
  // Without it a resident would learn that their case changed but not how, nor that a photo waits for them.
  if (!pairs.some(([, source]) => source === 'summary')) {
    ctx.addIssue({ code: 'custom', message: 'one field must be summary: it carries what changed, or how to see the evidence that waits' });
    return z.NEVER;
  }
  return pairs.map(([field, source]) => [field!, source as TemplateSource]);
}

/** Every setting Tingmin reads, with its default. README.md documents each one. */
const schema = z.object({
  DATABASE_URL: z.string().url().default('postgresql://postgres@127.0.0.1:5432/tingmin'),
  /** Connections of each of a process's two PostgreSQL pools (Prisma's and plain pg's). */
  DATABASE_POOL_SIZE: z.coerce.number().int().min(2).max(200).default(10),
  REDIS_URL: z.string().url().default('redis://127.0.0.1:6379'),
  /** Namespace for every Redis key and BullMQ queue, so several deployments (or test runs) can share one Redis. */
  REDIS_PREFIX: z.string().regex(/^[A-Za-z0-9_-]+$/).default('tm'),
  HOST: z.string().default('0.0.0.0'),
  PORT: z.coerce.number().int().min(0).max(65535).default(3000),
  /** Behind a reverse proxy: how many proxies, or which addresses, may write X-Forwarded-For (for per-address limits). */
  TRUST_PROXY: z.string().default('false').transform(trustProxy),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  TIMEZONE: z.string().default('Asia/Shanghai'),
  CASE_NUMBER_PREFIX: z.string().regex(/^[A-Z]{1,4}$/).default('QH'),
  /** An unfinished dialogue is forgotten after this long without a message. */
  SESSION_TTL_SECONDS: z.coerce.number().int().positive().default(86_400),
  RATE_LIMIT_MESSAGES: z.coerce.number().int().positive().default(30),
  RATE_LIMIT_WINDOW_SECONDS: z.coerce.number().int().positive().default(10),
  /** Web chat messages from one IP address per window, whatever tokens they carry (and sessions opened). */
  RATE_LIMIT_IP_MESSAGES: z.coerce.number().int().positive().default(300),
  /** A web chat token not used for this long is refused and then deleted (a case can take two months). */
  WEBCHAT_TOKEN_IDLE_DAYS: z.coerce.number().int().positive().default(90),
  DESCRIPTION_MIN_CHARS: z.coerce.number().int().positive().default(10),
  /** How similar (0–1, character n-gram cosine) a resident's question must be to an FAQ question to be answered by it. */
  FAQ_MATCH_THRESHOLD: z.coerce.number().min(0).max(1).default(0.4),
  DESCRIPTION_MAX_CHARS: z.coerce.number().int().positive().default(2000),
  /** Below this classifier score the resident chooses among the top three topics; the default fits the shipped model (npm run bench:nlp). */
  TOPIC_CONFIDENCE_THRESHOLD: z.coerce.number().min(0).max(1).default(0.55),
  NLP_MODEL_PATH: z.string().optional(),
  DEADLINE_DAYS_URGENT: z.coerce.number().int().positive().default(1),
  DEADLINE_DAYS_HIGH: z.coerce.number().int().positive().default(5),
  DEADLINE_DAYS_NORMAL: z.coerce.number().int().positive().default(10),
  /** Screening: a report with fewer letters and digits than this is sent back for more detail. */
  SCREEN_MIN_DETAIL_CHARS: z.coerce.number().int().positive().default(15),
  /** A report waiting for the resident's extra detail is routed as it is after this long. */
  NEEDS_INFO_WAIT_HOURS: z.coerce.number().positive().default(72),
  /** The department is reminded once when its deadline is this close. */
  DEADLINE_REMIND_HOURS: z.coerce.number().positive().default(24),
  /** An overdue case is put under supervision (挂牌督办) after it has been overdue this long. */
  SUPERVISE_AFTER_OVERDUE_HOURS: z.coerce.number().min(0).default(48),
  /** A handler's resolution waits for the supervision office's approval (审核报结) before the resident is told. */
  REVIEW_BEFORE_CLOSE: z.enum(['true', 'false']).default('true').transform((v) => v === 'true'),
  /** A resolved case the resident has not rated is closed after this long. */
  SATISFACTION_WAIT_HOURS: z.coerce.number().positive().default(72),
  /** How often the deadline job looks at open cases. */
  DEADLINE_CHECK_INTERVAL_MS: z.coerce.number().int().positive().default(300_000),
  /** When staff answer conversations, on working days (the holiday calendar applies); "always" for a 24/7 desk. */
  OFFICE_HOURS: z.string().default('08:30-12:00,14:30-18:00').refine((v) => {
    try {
      return parseOfficeHours(v).length > 0;
    } catch {
      return false;
    }
  }, 'periods like 08:30-12:00,14:30-18:00, or always'),
  /** A resident waiting this long for staff is offered to leave a report instead. */
  HANDOFF_MAX_WAIT_MINUTES: z.coerce.number().positive().default(10),
  HANDOFF_CHECK_INTERVAL_MS: z.coerce.number().int().positive().default(60_000),
  /** 并单: a new case joins an open case of the same region and topic created at most this many days before it. */
  DUPLICATE_WINDOW_DAYS: z.coerce.number().int().positive().default(30),
  /**
   * textSimilarity at or above which two cases are the same problem. 0.3 from hand-judged pairs of the
   * shared citizen messages (same county and predicted topic, within 30 days): about 98% of pairs at or
   * above 0.3 were one problem, 75% in 0.25-0.3, half in 0.2-0.25; random same-topic pairs from
   * different counties score 0.01 (median), 0.08 (99th percentile), 0.12 (99.9th).
   */
  DUPLICATE_SIMILARITY: z.coerce.number().min(0).max(1).default(0.3),
  /** 举一反三: a hot spot needs at least this many similar cases … */
  HOTSPOT_MIN_CASES: z.coerce.number().int().min(2).default(3),
  /** … in at least this many regions. */
  HOTSPOT_MIN_REGIONS: z.coerce.number().int().min(2).default(2),
  /** A console sign-in lasts this long without use. */
  CONSOLE_SESSION_HOURS: z.coerce.number().positive().default(8),
  /** Secure cookie flag: "auto" sets it when the request came over HTTPS (with TRUST_PROXY behind a proxy). */
  CONSOLE_COOKIE_SECURE: z.enum(['auto', 'true', 'false']).default('auto'),
  /** Sign-in attempts for one username from one address before it is refused from that address, and for how long. */
  CONSOLE_MAX_FAILED_LOGINS: z.coerce.number().int().positive().default(5),
  CONSOLE_LOCKOUT_MINUTES: z.coerce.number().positive().default(15),
  /** Sign-in attempts per IP address per 10 minutes, whatever the usernames. */
  CONSOLE_LOGIN_ATTEMPTS_PER_IP: z.coerce.number().int().positive().default(30),
  WORKER_CONCURRENCY: z.coerce.number().int().positive().default(8),
  /** Intake and notification jobs a worker process writes in one transaction at most (it holds up to twice as many). */
  WORKER_BATCH_SIZE: z.coerce.number().int().positive().default(200),
  /** How long a worker's claim on a job lasts without renewal; a crashed worker's job is retried after it. */
  WORKER_LOCK_MS: z.coerce.number().int().positive().default(30_000),
  /** Dialogue turns a bot process runs at once; more wait in arrival order (README, Running many processes). */
  BOT_TURNS_AT_ONCE: z.coerce.number().int().positive().default(16),
  /** Messages to residents a bot process sends at once per channel, each resident's in order. */
  DELIVERIES_AT_ONCE: z.coerce.number().int().positive().default(64),
  /** Submissions older than this without a case are queued again by the reconciler. */
  RECONCILE_AFTER_MS: z.coerce.number().int().positive().default(60_000),
  RECONCILE_INTERVAL_MS: z.coerce.number().int().positive().default(60_000),
  /** A message to a resident that no channel accepted this long after it was written is no longer sent again. */
  DELIVERY_GIVE_UP_HOURS: z.coerce.number().positive().default(72),
  /** Telegram is on when a bot token (from @BotFather) is set. */
  TELEGRAM_BOT_TOKEN: z.string().optional(),
  TELEGRAM_API_ROOT: z
    .string()
    .url()
    .default('https://api.telegram.org')
    // The bot token travels in every request's path: in clear only to a Bot API server on this machine.
    .refine(encryptedOrLoopback, 'must be an https:// URL; http:// only for a Bot API server on this machine (localhost, 127.0.0.1, [::1])'),
  /** Public HTTPS URL of POST /telegram/webhook; without it the bot uses long polling. */
  TELEGRAM_WEBHOOK_URL: z.string().url().optional(),
  TELEGRAM_WEBHOOK_SECRET: z.string().regex(/^[A-Za-z0-9_-]{1,256}$/).optional(),
  /** WeChat is on when a Wechaty puppet is named (e.g. wechaty-puppet-service) with its token. */
  WECHATY_PUPPET: z.string().optional(),
  WECHATY_PUPPET_TOKEN: z.string().optional(),
  WECHAT_ACCEPT_FRIENDS: z.enum(['true', 'false']).default('true').transform((v) => v === 'true'),
  /** The WeChat Official Account (公众号) is on when its AppID, AppSecret and server token are set. */
  WECHAT_MP_APPID: z.string().regex(/^wx[0-9a-f]{16}$/i, 'an AppID like wx0123456789abcdef').optional(),
  WECHAT_MP_SECRET: z.string().min(16).optional(),
  /** The server token configured on the platform (3-32 letters and digits). */
  WECHAT_MP_TOKEN: z.string().regex(/^[A-Za-z0-9]{3,32}$/, '3-32 letters and digits, as the platform accepts').optional(),
  /** The EncodingAESKey: 43 characters; when set, safe mode (AES) is on. */
  WECHAT_MP_AES_KEY: z.string().regex(/^[A-Za-z0-9+/]{43}$/, 'the 43-character EncodingAESKey').optional(),
  WECHAT_MP_API_ROOT: z.string().url().default('https://api.weixin.qq.com').refine(encryptedOrLoopback, 'https, or http only to 127.0.0.1, [::1] or localhost'),
  /** The template message for case updates outside the 48-hour customer-service window. */
  WECHAT_MP_TEMPLATE_ID: z.string().regex(/^[A-Za-z0-9_-]{1,128}$/).optional(),
  /** Which of the template's fields carry the case number, the update's summary and its time. */
  WECHAT_MP_TEMPLATE_FIELDS: z.string().default('character_string1:number,thing2:summary,time3:time').transform(templateFields),
  /** Files Tingmin writes: report attachments and the WeChat login QR code. */
  DATA_DIR: z.string().default('.data'),
  /** Largest photo or file a resident may send with a report. */
  ATTACHMENT_MAX_BYTES: z.coerce.number().int().positive().default(10 * 1024 * 1024),
  /** Serves the web chat and console APIs' OpenAPI and Swagger UI at /docs; off unless wanted, as it lists the console's paths. */
  API_DOCS: z.enum(['true', 'false']).default('false').transform((v) => v === 'true'),
  /** Turns GET /metrics on for Prometheus, which must send it as a bearer token; long and random, so it cannot be guessed. */
  METRICS_TOKEN: z.string().regex(/^[A-Za-z0-9._~+/=-]{32,256}$/, 'at least 32 random letters and digits (e.g. openssl rand -hex 32)').optional(),
  /** E-mail alerts to departments go through this SMTP server; without a host, e-mail contacts are refused. */
  SMTP_HOST: z.string().optional(),
  SMTP_PORT: z.coerce.number().int().min(1).max(65535).default(587),
  /** true: TLS from the first byte (port 465); false: STARTTLS when the server offers it. */
  SMTP_SECURE: z.enum(['true', 'false']).default('false').transform((v) => v === 'true'),
  SMTP_USER: z.string().optional(),
  SMTP_PASSWORD: z.string().optional(),
  SMTP_FROM: z.string().default('Tingmin <tingmin@localhost>'),
  /** Robot webhooks must be https; true also allows http to this machine (a local relay, or the fake robots in tests). */
  ALERT_ALLOW_LOCAL_HTTP: z.enum(['true', 'false']).default('false').transform((v) => v === 'true'),
  /** The hour (0-23, TIMEZONE) at which departments that asked for it get the previous day's digest. */
  ALERT_DIGEST_HOUR: z.coerce.number().int().min(0).max(23).default(8),
  /** The language of alerts and digests to departments (zh: Chinese, en: English). */
  ALERT_LANGUAGE: z.enum(['zh', 'en']).default('zh'),
}).refine((c) => !c.TELEGRAM_WEBHOOK_URL || c.TELEGRAM_WEBHOOK_SECRET, {
  message: 'TELEGRAM_WEBHOOK_SECRET is required with TELEGRAM_WEBHOOK_URL',
  path: ['TELEGRAM_WEBHOOK_SECRET'],
}).refine((c) => [c.WECHAT_MP_APPID, c.WECHAT_MP_SECRET, c.WECHAT_MP_TOKEN].every((v) => v === undefined) || [c.WECHAT_MP_APPID, c.WECHAT_MP_SECRET, c.WECHAT_MP_TOKEN].every((v) => v !== undefined), {
  message: 'WECHAT_MP_APPID, WECHAT_MP_SECRET and WECHAT_MP_TOKEN go together',
  path: ['WECHAT_MP_APPID'],
});

export type Config = z.infer<typeof schema>;

export class ConfigError extends Error {}

export function loadConfig(env: Record<string, string | undefined> = process.env): Config {
  // An empty variable means "not set", as in most twelve-factor tools.
  const present = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ''));
  const parsed = schema.safeParse(present);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  ${i.path.join('.')}: ${i.message}`);
    throw new ConfigError(`Invalid configuration:\n${lines.join('\n')}`);
  }
  return parsed.data;
}
