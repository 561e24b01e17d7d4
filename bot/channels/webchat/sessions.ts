import { createHash, randomBytes, randomUUID } from 'node:crypto';
import type { Lang } from '../../../core/i18n/index.js';
import type { Clock } from '../../../core/platform/clock.js';
import type { Logger } from '../../../core/platform/log.js';
import { followChannel, type AppRedis } from '../../../core/platform/redis.js';
import { timestamp, type Sql } from '../../../core/platform/sql.js';
import { webchatIdleSince } from '../../../core/webchat-tokens.js';

// Tokens this process answered lately, in memory: a busy page asks every few seconds.
const LOCAL_TOKENS = 20_000;
// 256 random bits as base64url (43 characters); anything else is not a token we issued.
const TOKEN = /^[A-Za-z0-9_-]{43}$/;
/** What a sign-out announces: the hash of the token (never the token), as 64 hex digits. */
const TOKEN_HASH = /^[0-9a-f]{64}$/;
/** How long this process trusts its copy of a token: a token revoked in another process while Redis was away stops working here within it. */
export const RECHECK_MS = 60_000;
/** A token's use is written at most this often (one write per token per day, never one per turn). */
const TOUCH_MS = 86_400_000;

export function hashToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

/** Where sign-outs are announced to every bot process; the message is the token's hash. */
export function webchatSignOutChannel(redisPrefix: string): string {
  return `${redisPrefix}:webchat:signed-out`;
}

/**
 * The web chat's credentials. The server issues each page a random token and the resident behind
 * it (a web chat id of its own choosing); PostgreSQL keeps only the token's hash, so a resident keeps
 * their conversation when Redis is emptied. A token not used for `idleDays` is refused, and one the
 * resident signed out is deleted. Each process keeps the mapping in memory and trusts it for
 * RECHECK_MS, then reads PostgreSQL again (the same read records the day's use). A sign-out is
 * announced on Redis and every process drops its copy at once. A pub/sub message is lost while a
 * process reconnects, so each reconnection drops every copy; a sign-out that could not be
 * announced (Redis lost) is caught by the recheck. PostgreSQL stays the truth, and a token revoked
 * elsewhere works here for at most RECHECK_MS. A copy in Redis would cost some 200 bytes per live dialogue
 * to spare one indexed read per resident and process a minute.
 */
export class WebchatSessions {
  /** Token hash → web chat id and when PostgreSQL last confirmed it, least recently confirmed first, at most LOCAL_TOKENS. */
  private readonly local = new Map<string, { userId: string; checkedAt: number }>();
  /** Raised whenever copies are dropped: a read that began before may have seen a token just signed out. */
  private dropped = 0;

  constructor(
    private readonly sql: Sql,
    private readonly now: Clock,
    private readonly idleDays: number,
    /** Where sign-outs are announced and heard. */
    private readonly signOuts: { redis: AppRedis; redisPrefix: string; log: Logger },
  ) {}

  /** Hears sign-outs from every process until closed. */
  followSignOuts(): Promise<{ close(): Promise<void> }> {
    const { redis, redisPrefix, log } = this.signOuts;
    return followChannel(redis, log, webchatSignOutChannel(redisPrefix), {
      // Whatever comes is only a key to delete, and anything but a hash is not even that.
      message: (raw) => {
        if (TOKEN_HASH.test(raw)) this.drop(raw);
      },
      // Sign-outs announced while the connection was away are lost: every token is read from PostgreSQL again.
      reconnected: () => this.drop(),
    });
  }

  /** A new resident and the token that acts as them (`userId` is their web chat id). */
  async create(lang: Lang | undefined): Promise<{ token: string; userId: string }> {
    const token = randomBytes(32).toString('base64url');
    const tokenHash = hashToken(token);
    const userId = randomUUID();
    // One statement (one round trip, no transaction to open and close): both rows or neither.
    await this.sql.query(
      `WITH resident AS (
         INSERT INTO "Resident" ("id", "channel", "externalId", "language")
         VALUES ($1::uuid, 'webchat', $2, COALESCE($3::"Language", 'zh')) RETURNING "id"
       )
       INSERT INTO "WebchatSession" ("tokenHash", "residentId", "createdAt", "lastSeenAt") SELECT $4, "id", $5::timestamp, $5::timestamp FROM resident`,
      [randomUUID(), userId, lang ?? null, tokenHash, timestamp(this.now())],
    );
    // Its first message needs no lookup in this process.
    this.remember(tokenHash, userId, this.now().getTime());
    return { token, userId };
  }

  /** The web chat id of the resident a token acts as, when this process confirmed the token lately (no round trip). */
  known(token: string | undefined): string | undefined {
    return token && TOKEN.test(token) ? this.confirmed(hashToken(token)) : undefined;
  }

  /** The web chat id of the resident a token acts as; undefined for anything not issued here, signed out or idle too long. */
  async residentOf(token: string | undefined): Promise<string | undefined> {
    if (!token || !TOKEN.test(token)) return undefined;
    const tokenHash = hashToken(token);
    const known = this.confirmed(tokenHash);
    if (known) return known;
    const now = this.now();
    const dropped = this.dropped;
    // One statement: the token if it is live, its use recorded when the last record is a day old.
    const { rows } = await this.sql.query<{ externalId: string }>(
      `WITH live AS (
         SELECT "tokenHash", "residentId", "lastSeenAt" FROM "WebchatSession" WHERE "tokenHash" = $1 AND "lastSeenAt" > $2::timestamp
       ), touched AS (
         UPDATE "WebchatSession" s SET "lastSeenAt" = $3::timestamp FROM live
         WHERE s."tokenHash" = live."tokenHash" AND live."lastSeenAt" <= $4::timestamp
       )
       SELECT r."externalId" FROM live JOIN "Resident" r ON r."id" = live."residentId"`,
      [tokenHash, timestamp(webchatIdleSince(now, this.idleDays)), timestamp(now), timestamp(new Date(now.getTime() - TOUCH_MS))],
    );
    const userId = rows[0]?.externalId;
    if (!userId) this.local.delete(tokenHash);
    else if (dropped === this.dropped) this.remember(tokenHash, userId, now.getTime());
    return userId;
  }

  /** Sign-out: the token stops working in every process at once (within RECHECK_MS if it could not be announced). False if it was not live. */
  async revoke(token: string | undefined): Promise<boolean> {
    if (!token || !TOKEN.test(token)) return false;
    const tokenHash = hashToken(token);
    this.local.delete(tokenHash);
    // An idle token goes too, but it was no credential any more: answered like an unknown one.
    const { rows } = await this.sql.query<{ live: boolean }>(`DELETE FROM "WebchatSession" WHERE "tokenHash" = $1 RETURNING "lastSeenAt" > $2::timestamp AS "live"`, [
      tokenHash,
      timestamp(webchatIdleSince(this.now(), this.idleDays)),
    ]);
    // Announced once the row is gone, so that a process hearing it and reading again finds nothing.
    if (rows.length > 0) {
      const { redis, redisPrefix, log } = this.signOuts;
      await redis.publish(webchatSignOutChannel(redisPrefix), tokenHash).catch((err: Error) => {
        log.warn({ err: err.message }, 'web chat sign-out not announced; other processes refuse the token within a minute');
      });
    }
    return rows[0]?.live === true;
  }

  /** Drops this process's copy of one token, or of all. */
  private drop(tokenHash?: string): void {
    this.dropped++;
    if (tokenHash) this.local.delete(tokenHash);
    else this.local.clear();
  }

  /** The web chat id this process's copy holds for a token hash, while it is recent enough to trust. */
  private confirmed(tokenHash: string): string | undefined {
    const entry = this.local.get(tokenHash);
    return entry && this.now().getTime() - entry.checkedAt < RECHECK_MS ? entry.userId : undefined;
  }

  /** Confirmed entries move to the end, so the one confirmed longest ago goes first. */
  private remember(tokenHash: string, userId: string, checkedAt: number): void {
    this.local.delete(tokenHash);
    if (this.local.size >= LOCAL_TOKENS) this.local.delete(this.local.keys().next().value!);
    this.local.set(tokenHash, { userId, checkedAt });
  }
}
