import { randomUUID } from 'node:crypto';
import type { Queue } from 'bullmq';
import { z } from 'zod';
import { loadCalendar } from '../cases/deadlines.js';
import { recordEvent } from '../cases/status-machine.js';
import { deliveryKey, queueMessage } from '../deliveries.js';
import { fileReport } from '../outbox.js';
import type { OutboundJob, Queues } from '../queues.js';
import { t } from '../i18n/index.js';
import type { Clock } from '../platform/clock.js';
import type { Config } from '../platform/config.js';
import { Prisma, type Channel, type Db, type Handoff, type HandoffReason, type Staff } from '../platform/db.js';
import type { Logger } from '../platform/log.js';
import type { AppRedis } from '../platform/redis.js';
import type { Sql } from '../platform/sql.js';
import { HandoffError } from './errors.js';
import { officeStatus, parseOfficeHours } from './office-hours.js';
import { IllegalHandoffMove, moveHandoff, type HandoffMove, type MoveInput } from './status-machine.js';
import { isUuid } from '../platform/ids.js';

export { HandoffError, type HandoffErrorCode } from './errors.js';

/** What the console hears live (over Redis pub/sub, so every process's consoles hear it). */
export type LiveEvent = {
  type: 'handoff.waiting' | 'handoff.claimed' | 'handoff.released' | 'handoff.transferred' | 'handoff.message';
  handoffId: string;
  staffId?: string | null;
  /** 'bot': the bot's own answer to a question of a case, given while staff hold the conversation. */
  from?: 'resident' | 'staff' | 'bot';
  text?: string;
  at: string;
};

export type StaffRef = Pick<Staff, 'id' | 'role'>;

export type HandoffDeps = {
  config: Config;
  log: Logger;
  db: Db;
  sql: Sql;
  redis: AppRedis;
  queues: Pick<Queues, 'intake'>;
  outbound: Record<Channel, Queue<OutboundJob>>;
  now: Clock;
};

const reportDraft = z.object({
  description: z.string().trim().min(1).max(10_000),
  topic: z.string().trim().min(1).nullish(),
  regionCode: z.string().trim().min(1).nullish(),
  placeText: z.string().trim().min(1).nullish(),
});

export function liveChannel(redisPrefix: string): string {
  return `${redisPrefix}:console:live`;
}

/**
 * Conversations handed to staff: the waiting queue, one holder at a time, messages both ways,
 * and release back to the bot. PostgreSQL holds the truth; a Redis key per held resident lets
 * the bot check in one GET per message whether it must stay silent.
 */
export class HandoffService {
  private readonly hours: ReturnType<typeof parseOfficeHours>;

  constructor(private readonly deps: HandoffDeps) {
    this.hours = parseOfficeHours(deps.config.OFFICE_HOURS);
  }

  /** The Redis key naming the handoff that holds this resident, while a person is talking to them (the bot reads it with each turn's lock). */
  heldKey(channel: Channel, externalId: string): string {
    return `${this.deps.config.REDIS_PREFIX}:handoff:held:${channel}:${externalId}`;
  }

  private async publish(event: Omit<LiveEvent, 'at'>): Promise<void> {
    await this.deps.redis.publish(liveChannel(this.deps.config.REDIS_PREFIX), JSON.stringify({ ...event, at: this.deps.now().toISOString() }));
  }


  /** Puts the gate back for every held conversation (after Redis lost its keys). */
  async restoreGates(): Promise<number> {
    const held = await this.deps.db.handoff.findMany({ where: { status: 'held' }, include: { resident: true } });
    await Promise.all(held.map((h) => this.deps.redis.set(this.heldKey(h.resident.channel, h.resident.externalId), h.id)));
    return held.length;
  }

  /**
   * Residents who waited longer than HANDOFF_MAX_WAIT_MINUTES are offered, once, to leave a
   * report instead; they stay in the queue. Returns how many were told.
   */
  async offerReports(): Promise<number> {
    const { db, config } = this.deps;
    const before = new Date(this.deps.now().getTime() - config.HANDOFF_MAX_WAIT_MINUTES * 60_000);
    const waiting = await db.handoff.findMany({ where: { status: 'waiting', offeredReportAt: null, requestedAt: { lte: before } }, include: { resident: true }, take: 500 });
    let told = 0;
    for (const handoff of waiting) {
      // Claimed, left or offered by another process meanwhile: nothing to say.
      if (!(await this.moved(handoff, 'offer', { at: this.deps.now() }))) continue;
      const lang = handoff.resident.language;
      await this.tell(handoff, deliveryKey.handoffWaiting(handoff.id), t(lang, 'handoff.noStaff'), undefined, [{ label: t(lang, 'handoff.leaveReport'), payload: 'menu:report' }]);
      told++;
    }
    return told;
  }

  /** The resident leaves the queue before anyone took the conversation; false when nothing was waiting. */
  async leaveQueue(residentId: string): Promise<boolean> {
    const waiting = await this.deps.db.handoff.findFirst({ where: { residentId, status: 'waiting' } });
    if (!waiting) return false;
    const left = await this.moved(waiting, 'leave', { at: this.deps.now() });
    if (left) await this.publish({ type: 'handoff.released', handoffId: waiting.id, staffId: null });
    return left;
  }

  /** A move that may have lost a race it does not matter to lose: false then. */
  private async moved<M extends HandoffMove>(handoff: Handoff, move: M, input: MoveInput[M]): Promise<boolean> {
    try {
      await moveHandoff(this.deps.db, handoff, move, input);
      return true;
    } catch (err) {
      if (err instanceof IllegalHandoffMove) return false;
      throw err;
    }
  }

  /** Residents waiting ahead of this one, plus one. */
  async position(handoff: Pick<Handoff, 'requestedAt'>): Promise<number> {
    return this.deps.db.handoff.count({ where: { status: 'waiting', requestedAt: { lte: handoff.requestedAt } } });
  }

  /**
   * Puts the resident in the waiting queue (once: asking again returns the open handoff), and
   * says whether staff are at work now or when they are back.
   */
  async request(input: { residentId: string; conversationId: string; reason: HandoffReason }) {
    const { db } = this.deps;
    const open = () => db.handoff.findFirst({ where: { residentId: input.residentId, status: { in: ['waiting', 'held'] } } });
    let handoff = await open();
    const fresh = !handoff;
    if (!handoff) {
      try {
        handoff = await db.handoff.create({ data: { ...input, requestedAt: this.deps.now() } });
        await db.conversation.update({ where: { id: input.conversationId }, data: { handoffRequestedAt: handoff.requestedAt } });
        this.deps.log.info({ handoffId: handoff.id, reason: input.reason }, 'conversation waiting for staff');
        await this.publish({ type: 'handoff.waiting', handoffId: handoff.id });
      } catch (err) {
        // The same resident asked twice at the same moment: the partial unique index kept one.
        if (!(err instanceof Prisma.PrismaClientKnownRequestError && err.code === 'P2002')) throw err;
        handoff = (await open())!;
      }
    }
    const office = officeStatus(this.deps.now(), this.hours, await loadCalendar(db), this.deps.config.TIMEZONE);
    return { handoff, fresh, position: await this.position(handoff), office };
  }

  private async load(handoffId: string): Promise<Handoff & { resident: { channel: Channel; externalId: string; language: 'zh' | 'en' } }> {
    const found = isUuid(handoffId)
      ? await this.deps.db.handoff.findUnique({ where: { id: handoffId }, include: { resident: true } })
      : null;
    if (!found) throw new HandoffError('not_found', 'no such conversation', 'staffError.noSuchConversation');
    return found;
  }

  /** Only the holder acts for the office; supervisors and admins may step in. */
  private async ofHolder(handoffId: string, staff: StaffRef) {
    const handoff = await this.load(handoffId);
    if (handoff.staffId !== staff.id && staff.role === 'handler') throw new HandoffError('forbidden', 'another member of staff holds it', 'staffError.heldByOther');
    return handoff;
  }

  /** A conversation being held, for what is done within it (say, file a report, link a case). */
  private async held(handoffId: string, staff: StaffRef) {
    const handoff = await this.ofHolder(handoffId, staff);
    if (handoff.status !== 'held') throw new HandoffError('conflict', 'the conversation is not held', 'staffError.notHeld');
    return handoff;
  }

  /** Takes a waiting conversation; of two staff claiming at once, exactly one gets it. */
  async claim(handoffId: string, staff: StaffRef): Promise<Handoff> {
    const handoff = await this.load(handoffId);
    if (staff.role === 'handler' && handoff.staffId !== staff.id) throw new HandoffError('forbidden', 'the supervision office hands conversations out', 'staffError.officeHandsOut');
    const at = this.deps.now();
    await moveHandoff(this.deps.db, handoff, 'claim', { staffId: staff.id, at });
    await this.deps.redis.set(this.heldKey(handoff.resident.channel, handoff.resident.externalId), handoff.id);
    await this.publish({ type: 'handoff.claimed', handoffId, staffId: staff.id });
    await this.tell(handoff, deliveryKey.handoffClaimed(handoff.id), t(handoff.resident.language, 'handoff.connected'));
    return { ...handoff, status: 'held', staffId: staff.id, claimedAt: at };
  }

  /** A message from staff to the resident, on the resident's channel. */
  async say(handoffId: string, staff: StaffRef, text: string): Promise<void> {
    const body = z.string().trim().min(1).max(4000).safeParse(text);
    if (!body.success) throw new HandoffError('invalid', 'a message of 1 to 4000 characters is required', 'staffError.messageLength');
    const handoff = await this.held(handoffId, staff);
    await this.tell(handoff, deliveryKey.staffMessage(randomUUID()), body.data, `staff:${staff.id}`);
    await this.publish({ type: 'handoff.message', handoffId, from: 'staff', staffId: staff.id, text: body.data });
  }

  /** Called by the bot for each message of a held resident: it goes to the holder live. */
  async residentSaid(handoffId: string, text: string): Promise<void> {
    await this.publish({ type: 'handoff.message', handoffId, from: 'resident', text });
  }

  /** The bot's answers to a held resident (to a question of a case), live to the holder. */
  async botSaid(handoffId: string, texts: string[]): Promise<void> {
    for (const text of texts) await this.publish({ type: 'handoff.message', handoffId, from: 'bot', text });
  }

  /** Gives the conversation to a colleague (the holder, or the office). */
  async transfer(handoffId: string, staff: StaffRef, toStaffId: string): Promise<void> {
    const handoff = await this.ofHolder(handoffId, staff);
    const colleague = isUuid(toStaffId) ? await this.deps.db.staff.findUnique({ where: { id: toStaffId } }) : null;
    if (!colleague || colleague.disabled) throw new HandoffError('invalid', 'no such colleague', 'staffError.noSuchColleague');
    await moveHandoff(this.deps.db, handoff, 'transfer', { staffId: colleague.id });
    await this.publish({ type: 'handoff.transferred', handoffId, staffId: colleague.id });
  }

  /** Ends the handoff: the bot talks again, starting with its menu. */
  async release(handoffId: string, staff: StaffRef): Promise<void> {
    const handoff = await this.ofHolder(handoffId, staff);
    await moveHandoff(this.deps.db, handoff, 'release', { at: this.deps.now() });
    await this.deps.redis.del(this.heldKey(handoff.resident.channel, handoff.resident.externalId));
    await this.publish({ type: 'handoff.released', handoffId, staffId: staff.id });
    const lang = handoff.resident.language;
    await this.tell(handoff, deliveryKey.handoffReleased(handoff.id), t(lang, 'handoff.released'), undefined, [
      { label: t(lang, 'menu.report'), payload: 'menu:report' },
      { label: t(lang, 'menu.status'), payload: 'menu:status' },
      { label: t(lang, 'menu.human'), payload: 'menu:human' },
      { label: t(lang, 'menu.help'), payload: 'menu:help' },
    ]);
  }

  /** Files a report for the resident from the conversation, through the same outbox as the bot's. */
  async fileReport(handoffId: string, staff: StaffRef, draft: unknown): Promise<string> {
    const parsed = reportDraft.safeParse(draft);
    if (!parsed.success) throw new HandoffError('invalid', 'a description is required', 'staffError.descriptionRequired');
    const handoff = await this.held(handoffId, staff);
    const { submissionId } = await fileReport(this.deps, {
      submission: {
        residentId: handoff.residentId,
        conversationId: handoff.conversationId,
        channel: handoff.resident.channel,
        language: handoff.resident.language,
        description: parsed.data.description,
        topic: parsed.data.topic ?? null,
        regionCode: parsed.data.regionCode ?? null,
        placeText: parsed.data.placeText ?? null,
        urgent: handoff.reason === 'urgent',
      },
      also: (client, id) => client.query(`UPDATE "Handoff" SET "submissionId" = $1::uuid WHERE "id" = $2::uuid`, [id, handoffId]),
    });
    return submissionId;
  }

  /** Links the conversation to an existing case; the case's timeline notes it for staff. */
  async linkCase(handoffId: string, staff: StaffRef, number: string): Promise<void> {
    const handoff = await this.held(handoffId, staff);
    const found = await this.deps.db.case.findUnique({ where: { number: number.trim().toUpperCase() } });
    if (!found) throw new HandoffError('invalid', 'no such case', 'staffError.noSuchCaseNumber', { number: number.trim().toUpperCase() });
    await this.deps.db.$transaction(async (tx) => {
      await tx.handoff.update({ where: { id: handoffId }, data: { caseId: found.id } });
      await recordEvent(tx, found, { type: 'conversation_linked', actor: `staff:${staff.id}`, at: this.deps.now(), data: { handoffId, conversationId: handoff.conversationId } });
    });
  }

  private tell(
    handoff: { id: string; conversationId: string; resident: { channel: Channel; externalId: string } },
    key: string,
    text: string,
    author?: string,
    buttons?: { label: string; payload: string }[],
  ): Promise<void> {
    return queueMessage(this.deps, { ...handoff.resident, conversationId: handoff.conversationId }, key, [buttons ? { text, buttons } : { text }], author);
  }
}
