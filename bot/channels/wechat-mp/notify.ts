import { deliveryKey, isEvidenceKey, KeptForNextMessage, recordEvidence, ResidentRefuses } from '../../../core/deliveries.js';
import { t, type Lang } from '../../../core/i18n/index.js';
import type { Reply } from '../../../core/messages.js';
import type { Clock } from '../../../core/platform/clock.js';
import type { TemplateSource } from '../../../core/platform/config.js';
import type { Db } from '../../../core/platform/db.js';
import type { Logger } from '../../../core/platform/log.js';
import type { AttachmentStore } from '../../conversations/attachments.js';
import { MpApiError, type MpApi } from './api.js';
import type { Reach } from './reach.js';
import type { SentParts } from '../sent-parts.js';
import { sendReplies, unsent, type FileSending } from './send.js';

export type TemplateSettings = {
  id: string;
  /** Which template field gets which value (WECHAT_MP_TEMPLATE_FIELDS). */
  fields: [string, TemplateSource][];
  casePrefix: string;
  timezone: string;
};

/** A template's `thing` fields take at most 20 characters. */
const SUMMARY_CHARS = 20;
/** The platform was busy: worth trying again later, unlike every other refusal. */
const BUSY = -1;

const refused = (err: unknown): err is MpApiError => err instanceof MpApiError && err.code !== BUSY;

/**
 * Notifications on the Official Account: customer-service messages within 48 hours of the
 * resident's last message; otherwise (or when the platform says the window is over, 45015) the
 * configured template message; when neither is possible, kept for the resident's next message
 * (KeptForNextMessage: not delivered until then). A template carries text only: the replies with
 * files (a resolution's evidence) are kept for the next message as a delivery of their own
 * (deliveryKey.evidence), and the template says so. A resident who unfollowed the account refuses
 * its messages: kept for their return, and given up at once so staff are told (ResidentRefuses).
 */
export class Notifier {
  constructor(
    private readonly api: MpApi,
    private readonly reach: Reach,
    private readonly deps: { db: Db; log: Logger; now: Clock; attachments: AttachmentStore },
    private readonly template?: TemplateSettings,
  ) {}

  /** What sending replies' files to this resident needs: where the bytes are, and their language for the note on PDFs. */
  files(language: Lang | undefined): FileSending {
    return { pathOf: (sha256: string) => this.deps.attachments.pathOf(sha256), lang: language ?? 'zh' };
  }

  /**
   * Sends the parts an earlier try did not (`parts`); answers what was sent when the evidence was
   * left for later (the log keeps that).
   */
  async deliver(openId: string, replies: Reply[], key: string, parts: SentParts): Promise<Reply[] | void> {
    // A reconciler's try while a turn shows it: that turn marks it delivered; sending it would show it twice.
    if (await this.reach.beingShown(openId, key)) throw new KeptForNextMessage('being shown with the resident’s message');
    const resident = await this.deps.db.resident.findUnique({
      where: { channel_externalId: { channel: 'wechat_mp', externalId: openId } },
      select: { unsubscribedAt: true, language: true },
    });
    // A resolution's evidence: photos as images, a note on the PDFs, in the resident's language.
    const files = this.files(resident?.language);
    // Kept whole: the parts already sent are skipped when it is shown (they are recorded under its key).
    if (resident?.unsubscribedAt) {
      await this.reach.keep(openId, { key, replies });
      throw new ResidentRefuses('the resident unfollowed the account');
    }
    if (await this.reach.inWindow(openId)) {
      try {
        await sendReplies(this.api, openId, replies, files, parts);
        // Kept before (a turn that took it died): shown now, not again with the next message.
        return await this.reach.shown(openId, [key]);
      } catch (err) {
        if (!refused(err)) throw err;
        this.deps.log.info({ channel: 'wechat-mp', code: err.code }, 'wechat-mp: customer-service message refused; trying the template');
      }
    }
    const rest = unsent(replies, parts);
    // All sent by a try that was stopped before it was marked.
    if (!rest.length) return;
    // Evidence already announced by a template waits for the resident: a second template would say the same.
    if (this.template && !isEvidenceKey(key)) {
      const evidence = rest.filter((r) => r.files?.length);
      try {
        await parts.once('template', () => this.api.sendTemplate(openId, this.template!.id, this.templateData(rest, evidence.length ? files.lang : undefined), key));
        await this.reach.shown(openId, [key]);
        if (!evidence.length) return;
        await this.keepEvidence(openId, key, evidence);
        // What customer service sent before it was refused, then the template's text only: the
        // files are logged when shown, under the evidence's own key.
        return replies.map((r) => (rest.includes(r) ? { ...r, files: undefined } : r));
      } catch (err) {
        if (!refused(err)) throw err;
        this.deps.log.warn({ channel: 'wechat-mp', code: err.code }, 'wechat-mp: template message refused; kept for the next message');
      }
    }
    await this.reach.keep(openId, { key, replies });
    throw new KeptForNextMessage('outside the 48-hour window, no template: kept for the next message');
  }

  /**
   * A template carries text only: the replies with files wait for the resident's next message,
   * as a delivery of their own, so they are kept through an emptied Redis and shown once.
   */
  private async keepEvidence(openId: string, key: string, evidence: Reply[]): Promise<void> {
    await recordEvidence(this.deps.db, key, evidence, this.deps.now());
    await this.reach.keep(openId, { key: deliveryKey.evidence(key), replies: evidence });
  }

  /**
   * The template's fields from the notification: the case number, its first line (shortened), or
   * how to see its evidence when that waits for the resident's next message, and the time.
   */
  private templateData(replies: Reply[], evidenceLang?: Lang): Record<string, { value: string }> {
    const { fields, casePrefix, timezone } = this.template!;
    const text = replies.map((r) => r.text).join('\n');
    // With evidence waiting, the short text says how to see it; the full text comes with the evidence.
    const firstLine = evidenceLang ? t(evidenceLang, 'evidence.template') : (text.trim().split('\n')[0] ?? '');
    const chars = [...firstLine];
    const values: Record<TemplateSource, string> = {
      number: text.match(new RegExp(`${casePrefix}\\d{10,}`))?.[0] ?? '-',
      summary: chars.length > SUMMARY_CHARS ? `${chars.slice(0, SUMMARY_CHARS - 1).join('')}…` : firstLine,
      // "2026-12-04 10:00" in the office's time zone.
      time: new Intl.DateTimeFormat('sv-SE', { timeZone: timezone, dateStyle: 'short', timeStyle: 'short' }).format(this.deps.now()),
    };
    return Object.fromEntries(fields.map(([field, source]) => [field, { value: values[source] }]));
  }
}
