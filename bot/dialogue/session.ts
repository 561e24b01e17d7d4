import { z } from 'zod';
import type { Clock } from '../../core/platform/clock.js';
import type { Db } from '../../core/platform/db.js';
import type { AppRedis } from '../../core/platform/redis.js';
import { timestamp, type Sql } from '../../core/platform/sql.js';
import { buttonSchema } from '../../core/messages.js';
import type { DialogueCopy } from '../conversations/message-log.js';

/** What the bot remembers about one resident between turns. */
export const sessionSchema = z.object({
  residentId: z.string(),
  conversationId: z.string(),
  lang: z.enum(['zh', 'en']),
  /** The running flow, if any: which step, the answers so far, and the steps passed (for "back"). */
  flow: z
    .object({
      name: z.string(),
      step: z.string(),
      data: z.record(z.string(), z.unknown()),
      history: z.array(z.string()),
      /** After editing one field from the summary, go back to this step. */
      returnTo: z.string().optional(),
    })
    .optional(),
  /** Messages in a row the bot could not understand (the second goes to staff). */
  misses: z.number().int().default(0),
  /** The buttons last shown, so that typing a button's label works like pressing it. */
  buttons: z.array(buttonSchema).default([]),
  /** The question the FAQ just answered, for 有帮助 / 仍要反映问题 (the latter reports it). */
  faq: z.object({ question: z.string(), entryId: z.string() }).optional(),
});
export type Session = z.infer<typeof sessionSchema>;

const SWEEP_EVERY_MS = 3_600_000;

/**
 * Sessions live in Redis with a TTL, and a copy goes to PostgreSQL after every turn, in the same
 * statement as the turn's messages (MessageLog), so that a resident half way through a report
 * keeps it when Redis restarts empty. PostgreSQL is read only when Redis has no session.
 */
export class SessionStore {
  private lastSweep = 0;

  constructor(
    private readonly redis: AppRedis,
    private readonly db: Db,
    private readonly sql: Sql,
    private readonly prefix: string,
    private readonly ttlSeconds: number,
    private readonly now: Clock,
  ) {}

  key(channel: string, userId: string): string {
    return `${this.prefix}:session:${channel}:${userId}`;
  }

  /** The session from what Redis held under `key` (read by the caller), else from PostgreSQL. */
  async loaded(channel: string, userId: string, raw: string | null): Promise<Session | undefined> {
    const state = raw ?? (await this.fromDatabase(channel, userId));
    if (!state) return undefined;
    const parsed = sessionSchema.safeParse(JSON.parse(state));
    // A session written by an older version is dropped rather than crashing the turn.
    return parsed.success ? parsed.data : undefined;
  }

  /** The session as stored, for Redis and for the copy in PostgreSQL. */
  snapshot(channel: string, userId: string, session: Session): DialogueCopy {
    return { channel, externalId: userId, state: JSON.stringify(session), savedAt: this.now() };
  }

  /** Keeps the session in Redis; the copy in PostgreSQL goes with the turn's messages (MessageLog.record). */
  async save(copy: DialogueCopy): Promise<void> {
    await this.redis.set(this.key(copy.channel, copy.externalId), copy.state, { EX: this.ttlSeconds });
    const now = this.now().getTime();
    if (now - this.lastSweep > SWEEP_EVERY_MS) {
      this.lastSweep = now;
      // Copies older than the TTL are of no use; removed in the background, at most hourly.
      void this.db.dialogueState.deleteMany({ where: { savedAt: { lt: this.cutoff() } } }).catch(() => (this.lastSweep = 0));
    }
  }

  private cutoff(): Date {
    return new Date(this.now().getTime() - this.ttlSeconds * 1000);
  }

  private async fromDatabase(channel: string, externalId: string): Promise<string | undefined> {
    // Plain pg: read on every new resident's first message, where Prisma's cost per query shows.
    const { rows } = await this.sql.query<{ state: string }>(
      `SELECT "state"::text AS "state" FROM "DialogueState" WHERE "channel" = $1 AND "externalId" = $2 AND "savedAt" > $3`,
      [channel, externalId, timestamp(this.cutoff())],
    );
    return rows[0]?.state;
  }
}
