import { randomUUID } from 'node:crypto';
import type { Queue } from 'bullmq';
import type { Clock } from './platform/clock.js';
import type { Channel, Db } from './platform/db.js';
import { isUuid } from './platform/ids.js';
import type { Logger } from './platform/log.js';
import { insertRows, oneStatement, timestamp, type Queryable, type Statement } from './platform/sql.js';
import type { OutboundJob } from './queues.js';

/**
 * Messages to residents outside their own turn (notifications, staff messages). Each has a
 * delivery key, which is its outbound job's id, its Delivery row's key and the prefix of its
 * message-log rows; the formats are all here.
 */
export const deliveryKey = {
  /** The message about a case event; `event('')` is the prefix of them all. */
  event: (eventId: string) => `event-${eventId}`,
  handoffWaiting: (handoffId: string) => `handoff-wait-${handoffId}`,
  handoffClaimed: (handoffId: string) => `handoff-claimed-${handoffId}`,
  handoffReleased: (handoffId: string) => `handoff-released-${handoffId}`,
  staffMessage: (messageId: string) => `staff-${messageId}`,
  /**
   * A message's evidence (photos, PDFs) when the message itself went without it (a template
   * message on the Official Account): a delivery of its own, kept for the resident's next message.
   */
  evidence: (key: string) => `${key}-evidence`,
};

/** The case event a delivery key is the message of; undefined for other messages. */
export function eventOfKey(key: string): string | undefined {
  const prefix = deliveryKey.event('');
  const id = key.startsWith(prefix) ? key.slice(prefix.length) : '';
  return isUuid(id) ? id : undefined;
}

/**
 * A channel's answer that this resident refuses its messages (blocked the bot, unfollowed the
 * account): thrown by a channel's `deliver`, so the message is given up at once instead of being
 * sent again for DELIVERY_GIVE_UP_HOURS, and staff are told now.
 */
export class ResidentRefuses extends Error {}

/**
 * Thrown by a channel's `deliver` that could not send now and kept the message to show with the
 * resident's next message (the Official Account outside its 48-hour window): it is not delivered
 * yet, so it stays pending in PostgreSQL; the reconciler's tries keep it kept (a Redis emptied
 * meanwhile loses nothing) and give it up in time, and the channel marks it when it is shown.
 */
export class KeptForNextMessage extends Error {}

/** Whether a delivery key is a message's evidence sent apart from it (deliveryKey.evidence). */
export function isEvidenceKey(key: string): boolean {
  return key.endsWith(deliveryKey.evidence(''));
}

/** The key of the message whose evidence this is; undefined for any other key. */
export function messageOfEvidence(key: string): string | undefined {
  return isEvidenceKey(key) ? key.slice(0, -deliveryKey.evidence('').length) : undefined;
}

/**
 * Records the evidence of a delivered message as a delivery of its own (deliveryKey.evidence), to
 * the same conversation, by the same author. It is not queued: the channel keeps it for the
 * resident's next message, and the reconciler's tries keep it kept (a Redis emptied meanwhile
 * loses nothing) until it is shown. Recording it again changes nothing; a message that was never
 * recorded itself (queued by hand) records nothing.
 */
export async function recordEvidence(db: Db, key: string, replies: OutboundJob['replies'], now: Date): Promise<void> {
  const message = await db.delivery.findUnique({ where: { key }, select: { conversationId: true, author: true } });
  if (!message) return;
  await db.delivery.createMany({
    data: [{ key: deliveryKey.evidence(key), conversationId: message.conversationId, replies, author: message.author, createdAt: now, nextAttemptAt: nextAttemptAt(now, 0) }],
    skipDuplicates: true,
  });
}

/** The message log's external id of a delivery's n-th reply. */
export function logId(key: string, index: number): string {
  return `${key}#${index}`;
}

/** The delivery key of a message-log external id; undefined for ids not written by a delivery. */
export function keyOfLogId(externalId: string | null): string | undefined {
  return externalId?.match(/^(.+)#\d+$/)?.[1];
}

/**
 * How long after its n-th resend (0: after it was queued) a message not yet delivered is sent
 * again: the outbound job's own retries ride out a blip of seconds, these an outage of hours or
 * days. The last interval repeats until the reconciler gives the message up (DELIVERY_GIVE_UP_HOURS).
 */
const RETRY_AFTER_MINUTES = [5, 15, 60, 3 * 60, 6 * 60, 12 * 60, 24 * 60];

export function nextAttemptAt(now: Date, attempts: number): Date {
  const minutes = RETRY_AFTER_MINUTES[Math.min(attempts, RETRY_AFTER_MINUTES.length - 1)]!;
  return new Date(now.getTime() + minutes * 60_000);
}

export type SendDeps = { db: Db; outbound: Record<Channel, Queue<OutboundJob>>; log: Logger; now: Clock };

export type Message = {
  to: { channel: Channel; externalId: string; conversationId: string };
  key: string;
  replies: OutboundJob['replies'];
  author?: string;
};

function deliveryRow({ key, to, replies, author }: Message, now: Date) {
  return { key, conversationId: to.conversationId, replies, author, createdAt: now, nextAttemptAt: nextAttemptAt(now, 0) };
}

/**
 * Sends messages to residents on their channels: recorded in PostgreSQL (one statement for all),
 * then queued (sendRecorded). When Redis refuses the jobs, the reconciler sends the recorded
 * messages later; the caller is not failed for it.
 */
export async function queueMessages(deps: SendDeps, messages: Message[]): Promise<void> {
  if (!messages.length) return;
  const now = deps.now();
  await deps.db.delivery.createMany({ data: messages.map((m) => deliveryRow(m, now)), skipDuplicates: true });
  await sendRecorded(deps, messages);
}

const DELIVERY_COLUMNS = { key: 'text', conversationId: 'uuid', replies: 'jsonb', author: 'text', nextAttemptAt: 'timestamp' } as const;

/**
 * The statement that records new messages, for the caller's transaction (plain pg), so they are
 * kept exactly when the caller's writes are; the caller queues them with sendRecorded after it
 * committed. Keys must be new (e.g. of events written in the same transaction).
 */
export function recordMessages(messages: Message[], now: Date): Statement {
  const rows = messages.map((m) => {
    const row = deliveryRow(m, now);
    return { ...row, replies: JSON.stringify(row.replies), author: row.author ?? null, nextAttemptAt: timestamp(row.nextAttemptAt) };
  });
  return insertRows('Delivery', DELIVERY_COLUMNS, rows, ['createdAt'], now);
}

/** Queues recorded messages, each with its key as job id, so queueing one twice delivers it once. */
export async function sendRecorded(deps: Pick<SendDeps, 'outbound' | 'log'>, messages: Message[]): Promise<void> {
  const byChannel = new Map<Channel, Message[]>();
  for (const m of messages) {
    const list = byChannel.get(m.to.channel);
    if (list) list.push(m);
    else byChannel.set(m.to.channel, [m]);
  }
  await Promise.all(
    [...byChannel].map(async ([channel, list]) => {
      try {
        await deps.outbound[channel].addBulk(
          list.map(({ key, to, replies, author }) => ({ name: 'deliver', data: { key, conversationId: to.conversationId, recipient: to.externalId, replies, author }, opts: { jobId: key } })),
        );
      } catch (err) {
        deps.log.warn({ err, keys: list.map((m) => m.key) }, 'could not queue messages; the reconciler will');
      }
    }),
  );
}

/** One message (see queueMessages). */
export function queueMessage(deps: SendDeps, to: Message['to'], key: string, replies: OutboundJob['replies'], author?: string): Promise<void> {
  return queueMessages(deps, [{ to, key, replies, author }]);
}

export async function isDelivered(sql: Queryable, key: string): Promise<boolean> {
  const { rowCount } = await sql.query(`SELECT 1 FROM "Delivery" WHERE "key" = $1 AND "deliveredAt" IS NOT NULL`, [key]);
  return (rowCount ?? 0) > 0;
}

const OUTBOUND_LOG_COLUMNS = { id: 'uuid', conversationId: 'uuid', direction: '"Direction"', externalId: 'text', text: 'text', buttons: 'jsonb', files: 'jsonb', author: 'text' } as const;

/**
 * After the channel accepted the message: its replies join the conversation's log (stamped by
 * the database, like every other message) and the delivery is marked, together, in one statement.
 * Nothing is logged before, so the log never shows a message the resident did not get. True when
 * this call marked a message that had been given up (see reachedAfterAll).
 */
export async function markDelivered(sql: Queryable, job: Omit<OutboundJob, 'recipient'>, at: Date): Promise<boolean> {
  const { key, conversationId, replies, author } = job;
  // Files are logged as references to their Attachment rows; the bytes are stored once, on disk.
  const rows = replies.map((r, i) => ({
    id: randomUUID(),
    conversationId,
    direction: 'outbound',
    externalId: logId(key, i),
    text: r.text,
    buttons: r.buttons ? JSON.stringify(r.buttons) : null,
    files: r.files ? JSON.stringify(r.files) : null,
    author: author ?? null,
  }));
  const insert = insertRows('Message', OUTBOUND_LOG_COLUMNS, rows);
  const { rows: marked } = await sql.query<{ gaveUp: boolean }>(
    oneStatement([
      { ...insert, text: `${insert.text} ON CONFLICT DO NOTHING` },
      { text: `UPDATE "Delivery" SET "deliveredAt" = $1::timestamp WHERE "key" = $2 AND "deliveredAt" IS NULL RETURNING "gaveUpAt" IS NOT NULL AS "gaveUp"`, values: [timestamp(at), key] },
    ]),
  );
  return marked[0]?.gaveUp ?? false;
}
