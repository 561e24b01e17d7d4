import { z } from 'zod';
import { Batch } from '../../core/platform/batch.js';
import type { Clock } from '../../core/platform/clock.js';
import type { Db } from '../../core/platform/db.js';
import type { AppRedis } from '../../core/platform/redis.js';
import { buttonSchema } from '../../core/messages.js';

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

type Saved = { channel: string; externalId: string; state: string; savedAt: Date };

const SWEEP_EVERY_MS = 3_600_000;

/**
 * Sessions live in Redis with a TTL, and a copy goes to PostgreSQL after every turn (in groups),
 * so that a resident half way through a report keeps it when Redis restarts empty. PostgreSQL is
 * read only when Redis has no session.
 */
export class SessionStore {
  private readonly copies = new Batch<Saved>((rows) => this.write(rows));
  private lastSweep = 0;

  constructor(
    private readonly redis: AppRedis,
    private readonly db: Db,
    private readonly prefix: string,
    private readonly ttlSeconds: number,
    private readonly now: Clock,
  ) {}

  private key(channel: string, userId: string): string {
    return `${this.prefix}:session:${channel}:${userId}`;
  }

  async load(channel: string, userId: string): Promise<Session | undefined> {
    const raw = (await this.redis.get(this.key(channel, userId))) ?? (await this.fromDatabase(channel, userId));
    if (!raw) return undefined;
    const parsed = sessionSchema.safeParse(JSON.parse(raw));
    // A session written by an older version is dropped rather than crashing the turn.
    return parsed.success ? parsed.data : undefined;
  }

  async save(channel: string, userId: string, session: Session): Promise<void> {
    const state = JSON.stringify(session);
    await Promise.all([
      this.redis.set(this.key(channel, userId), state, { EX: this.ttlSeconds }),
      this.copies.add([{ channel, externalId: userId, state, savedAt: this.now() }]),
    ]);
  }

  /** Waits for the copies already made; used on shutdown. */
  drain(): Promise<void> {
    return this.copies.drain();
  }

  private cutoff(): Date {
    return new Date(this.now().getTime() - this.ttlSeconds * 1000);
  }

  private async fromDatabase(channel: string, externalId: string): Promise<string | undefined> {
    const row = await this.db.dialogueState.findUnique({ where: { channel_externalId: { channel, externalId } } });
    return row && row.savedAt > this.cutoff() ? JSON.stringify(row.state) : undefined;
  }

  private async write(rows: Saved[]): Promise<void> {
    // The newest state of each resident, and never over a newer one another process wrote.
    const latest = [...new Map(rows.map((r) => [`${r.channel}\n${r.externalId}`, r])).values()];
    await this.db.$executeRaw`
      INSERT INTO "DialogueState" ("channel", "externalId", "state", "savedAt")
      SELECT c, e, s::jsonb, (t::timestamptz AT TIME ZONE 'UTC')
      FROM unnest(${latest.map((r) => r.channel)}::text[], ${latest.map((r) => r.externalId)}::text[],
                  ${latest.map((r) => r.state)}::text[], ${latest.map((r) => r.savedAt.toISOString())}::text[]) AS x(c, e, s, t)
      ON CONFLICT ("channel", "externalId") DO UPDATE SET "state" = excluded."state", "savedAt" = excluded."savedAt"
      WHERE "DialogueState"."savedAt" <= excluded."savedAt"`;
    const now = this.now().getTime();
    if (now - this.lastSweep > SWEEP_EVERY_MS) {
      this.lastSweep = now;
      await this.db.dialogueState.deleteMany({ where: { savedAt: { lt: this.cutoff() } } });
    }
  }
}
