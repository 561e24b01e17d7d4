import type { AttachmentStore } from '../../conversations/attachments.js';
import type { Bot } from '../../dialogue/bot.js';
import type { Inbound, Reply } from '../../../core/messages.js';
import { t, type Lang } from '../../../core/i18n/index.js';
import type { Clock } from '../../../core/platform/clock.js';
import type { Db } from '../../../core/platform/db.js';
import type { Logger } from '../../../core/platform/log.js';
import type { AppRedis } from '../../../core/platform/redis.js';
import type { Sql } from '../../../core/platform/sql.js';
import { reachedAfterAll } from '../../../core/cases/unreachable.js';
import { markDelivered } from '../../../core/deliveries.js';
import { outboundSchema, type Queues } from '../../../core/queues.js';
import { MpApi } from './api.js';
import { readMessage } from './inbound.js';
import { Notifier, type TemplateSettings } from './notify.js';
import { Reach, type Kept } from './reach.js';
import { everyPart, SentParts } from '../sent-parts.js';
import { MAX_TEXT_BYTES, renderReplies, sendReplies, unsent } from './send.js';
import { buildFlatXml, XmlError } from './xml.js';

export type WechatMpSettings = {
  appId: string;
  secret: string;
  /** The server token configured on the platform. */
  token: string;
  /** The EncodingAESKey; safe mode when set. */
  aesKey?: string;
  apiRoot: string;
  template?: TemplateSettings;
};

export type WechatMpDeps = { bot: Bot; log: Logger; attachments: AttachmentStore; db: Db; sql: Sql; queues: Pick<Queues, 'notify'>; redis: AppRedis; redisPrefix: string; now: Clock };

/** The platform waits 5 s for an answer and then retries; a turn not done by then answers through the API. */
const PASSIVE_MS = 4000;
/** How long a MsgId's answer is remembered: the platform's three tries span about 15 s. */
const SEEN_SECONDS = 600;
/**
 * A message being answered stays claimed while its process lives (renewed every second): if the
 * process dies mid-turn the claim runs out, and the platform's next try is answered elsewhere.
 */
const CLAIM_SECONDS = 2;
const IN_PROGRESS = '…';
/** The empty answer the platform takes as "received, nothing to say now". */
export const NO_REPLY = 'success';

/**
 * The WeChat Official Account channel: turns the platform's messages and events into the one
 * inbound shape and answers with a passive reply when the turn is quick, else through the
 * customer-service API. Nothing lives in the process: dedupe, window and token are in Redis.
 */
export class WechatMpChannel {
  readonly api: MpApi;
  readonly notifier: Notifier;
  private readonly reach: Reach;

  constructor(
    readonly settings: WechatMpSettings,
    private readonly deps: WechatMpDeps,
    private readonly passiveMs = PASSIVE_MS,
  ) {
    this.api = new MpApi(settings, deps.redis, deps.redisPrefix);
    this.reach = new Reach(deps.redis, deps.redisPrefix, deps.now);
    this.notifier = new Notifier(this.api, this.reach, deps, settings.template);
  }

  /** Answers one decrypted message: the passive reply's XML, or NO_REPLY. */
  async receive(fields: Map<string, string>): Promise<string> {
    const openId = fields.get('FromUserName');
    const account = fields.get('ToUserName');
    const type = fields.get('MsgType');
    if (!openId || !account || !type) throw new XmlError('not a message: FromUserName, ToUserName and MsgType are required');
    const event = type === 'event' ? (fields.get('Event') ?? '').toLowerCase() : undefined;
    // Messages carry MsgId; events are told apart by sender, time and kind.
    const messageId = (fields.get('MsgId') ?? `${openId}:${fields.get('CreateTime') ?? ''}:${event}`).slice(0, 128);
    const seen = `${this.deps.redisPrefix}:wechat-mp:seen:${messageId}`;
    const before = await this.claim(seen);
    if (before !== undefined) return before;
    const alive = setInterval(() => void this.deps.redis.expire(seen, CLAIM_SECONDS).catch(() => undefined), 1000);
    const answer = await this.handle(fields, openId, account, event, messageId)
      .catch(async (err: unknown) => {
        // Not answered: the platform's next try may be.
        await this.deps.redis.del(seen);
        throw err;
      })
      .finally(() => clearInterval(alive));
    await this.deps.redis.set(seen, answer, { XX: true, EX: SEEN_SECONDS });
    return answer;
  }

  /**
   * Claims a message for this process; or, for a message seen before, the answer it got. A try
   * that arrives while another process is still on it waits for that answer (or for the claim of
   * a dead process to run out) as long as the platform waits.
   */
  private async claim(seen: string): Promise<string | undefined> {
    const { redis } = this.deps;
    const giveUp = Date.now() + this.passiveMs;
    for (;;) {
      if (await redis.set(seen, IN_PROGRESS, { NX: true, EX: CLAIM_SECONDS })) return undefined;
      const answer = await redis.get(seen);
      if (answer !== null && answer !== IN_PROGRESS) return answer;
      if (Date.now() > giveUp) return NO_REPLY;
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  private async handle(fields: Map<string, string>, openId: string, account: string, event: string | undefined, messageId: string): Promise<string> {
    if (event === 'unsubscribe') {
      await this.subscribed(openId, false);
      return NO_REPLY;
    }
    if (event === 'subscribe') await this.subscribed(openId, true);
    await this.reach.wrote(openId);
    const replies = await this.answer(fields, { channel: 'wechat_mp', userId: openId, messageId, numberedChoices: true });
    if (!replies) return NO_REPLY;
    return buildFlatXml([
      ['ToUserName', openId],
      ['FromUserName', account],
      ['CreateTime', Math.floor(this.deps.now().getTime() / 1000)],
      ['MsgType', 'text'],
      ['Content', renderReplies(replies)],
    ]);
  }

  /** Recorded on the resident, so notifications wait instead of failing while they do not follow. */
  private async subscribed(openId: string, following: boolean): Promise<void> {
    await this.deps.db.resident.updateMany({
      where: { channel: 'wechat_mp', externalId: openId },
      data: { unsubscribedAt: following ? null : this.deps.now() },
    });
  }

  /**
   * Runs the turn. Resolves with the replies when they can be the passive reply (in time, short
   * enough), else with undefined; late replies then go through the customer-service API.
   */
  private answer(fields: Map<string, string>, base: Inbound): Promise<Reply[] | undefined> {
    const { bot, log } = this.deps;
    let state: 'waiting' | 'passive' | 'late' = 'waiting';
    let settle!: (replies: Reply[] | undefined) => void;
    const settled = new Promise<Reply[] | undefined>((resolve) => (settle = resolve));
    const finish = (replies?: Reply[]) => {
      if (state !== 'waiting') return;
      clearTimeout(timer);
      state = replies ? 'passive' : 'late';
      settle(replies);
    };
    const timer = setTimeout(finish, this.passiveMs);
    // `lang`: the dialogue's language, which the Bot passes; unknown only for the flood notice.
    const deliver = async (replies: Reply[], lang?: Lang): Promise<Reply[]> => {
      // Notifications that could not be sent before come first, now that the resident is here,
      // without the parts a try before sent (a customer-service message refused half-way).
      const kept = await Promise.all((await this.reach.takeKept(base.userId)).map(async (k) => ({ ...k, parts: await this.sentParts(k.key) })));
      const all = [...kept.flatMap((k) => unsent(k.replies, k.parts)), ...replies];
      // A kept notification's photos go as image messages, which a passive reply cannot carry.
      const files = all.some((r) => r.files?.length) ? this.notifier.files(lang ?? (await this.language(base.userId))) : undefined;
      if (state === 'waiting' && !files && Buffer.byteLength(renderReplies(all)) <= MAX_TEXT_BYTES) finish(all);
      else {
        finish();
        try {
          for (const k of kept) await sendReplies(this.api, base.userId, k.replies, files, k.parts);
        } catch (err) {
          // Still kept: the next message shows what did not go now (each one's parts are recorded as they go).
          await this.reach.release(base.userId, kept.map((k) => k.key));
          throw err;
        }
        await sendReplies(this.api, base.userId, replies, files);
      }
      if (kept.length) await this.shown(base.userId, kept);
      return all;
    };
    const turn = async () => {
      const read = await readMessage(fields, { api: this.api, attachments: this.deps.attachments });
      if (!read) return;
      const result = await bot.handle({ ...base, ...read }, deliver);
      // Over the limit no turn runs, so the resident's language is not known here: say it in both.
      if (result.kind === 'limited') await deliver([{ text: `${t('zh', 'page.slowDown')}\n${t('en', 'page.slowDown')}` }]);
    };
    turn()
      .catch((err: unknown) => log.error({ err, channel: 'wechat-mp' }, 'wechat-mp: message failed'))
      .finally(() => finish());
    return settled;
  }

  private async sentParts(deliveryKey: string): Promise<SentParts> {
    // Kept by an older version (no key): delivered when it was kept, nothing to resume.
    return deliveryKey ? SentParts.of(this.deps.redis, this.deps.redisPrefix, 'wechat_mp', deliveryKey) : everyPart();
  }

  private async language(openId: string): Promise<Lang | undefined> {
    const resident = await this.deps.db.resident.findUnique({ where: { channel_externalId: { channel: 'wechat_mp', externalId: openId } }, select: { language: true } });
    return resident?.language;
  }

  /**
   * Kept notifications now in front of the resident: kept no more, marked delivered and logged, as
   * the outbound worker marks the others. Failing that, the reconciler sends them again: repeated,
   * never lost.
   */
  private async shown(openId: string, kept: (Kept & { parts: SentParts })[]): Promise<void> {
    const { db, sql, log, now } = this.deps;
    try {
      await this.reach.shown(openId, kept.map((k) => k.key));
      const deliveries = await db.delivery.findMany({ where: { key: { in: kept.map((k) => k.key) }, deliveredAt: null } });
      for (const d of deliveries) {
        const job = outboundSchema.parse({ key: d.key, conversationId: d.conversationId, recipient: openId, replies: d.replies, author: d.author ?? undefined });
        const at = now();
        if (await markDelivered(sql, job, at)) await reachedAfterAll(this.deps, { key: d.key, channel: 'wechat_mp', actor: 'system:wechat-mp' }, at);
      }
      for (const k of kept) await k.parts.forget();
    } catch (err) {
      log.warn({ err, channel: 'wechat-mp' }, 'wechat-mp: kept notifications shown but not marked; they may be sent again');
    }
  }
}
