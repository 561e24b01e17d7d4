import { createHash, randomBytes, randomUUID } from 'node:crypto';
import type { Lang } from '../../../core/i18n/index.js';
import type { Db } from '../../../core/platform/db.js';
import type { AppRedis } from '../../../core/platform/redis.js';
import type { Sql } from '../../../core/platform/sql.js';

const CACHE_SECONDS = 24 * 3600;
// Tokens this process answered lately, in memory: a busy page asks every few seconds.
const LOCAL_TOKENS = 20_000;
// 256 random bits as base64url (43 characters); anything else is not a token we issued.
const TOKEN = /^[A-Za-z0-9_-]{43}$/;

export function hashToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

/**
 * The web chat's credentials. The server issues each page a random token and the resident behind
 * it (a web chat id of its own choosing); PostgreSQL keeps only the token's hash, so a resident keeps
 * their conversation when Redis is emptied. Redis caches the mapping, which never changes.
 */
export class WebchatSessions {
  /** Token hash → web chat id, oldest first (a Map keeps insertion order), at most LOCAL_TOKENS. */
  private readonly local = new Map<string, string>();

  constructor(
    private readonly db: Db,
    private readonly sql: Sql,
    private readonly redis: AppRedis,
    private readonly prefix: string,
  ) {}

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
       INSERT INTO "WebchatSession" ("tokenHash", "residentId") SELECT $4, "id" FROM resident`,
      [randomUUID(), userId, lang ?? null, tokenHash],
    );
    // The page's first message comes next, perhaps to another process: it finds the mapping in
    // Redis instead of in PostgreSQL.
    await this.redis.set(this.cacheKey(tokenHash), userId, { EX: CACHE_SECONDS });
    return { token, userId };
  }

  /** Where Redis caches a token's resident (tests that move a session to another resident drop it). */
  cacheKey(tokenHash: string): string {
    return `${this.prefix}:webchat:token:${tokenHash}`;
  }

  /** The web chat id of the resident a token acts as; undefined for anything not issued here. */
  async residentOf(token: string | undefined): Promise<string | undefined> {
    if (!token || !TOKEN.test(token)) return undefined;
    const tokenHash = hashToken(token);
    const known = this.local.get(tokenHash);
    if (known) return known;
    const cacheKey = this.cacheKey(tokenHash);
    let userId = (await this.redis.get(cacheKey)) ?? undefined;
    if (!userId) {
      const session = await this.db.webchatSession.findUnique({ where: { tokenHash }, select: { resident: { select: { externalId: true } } } });
      if (!session) return undefined;
      userId = session.resident.externalId;
      await this.redis.set(cacheKey, userId, { EX: CACHE_SECONDS });
    }
    this.remember(tokenHash, userId);
    return userId;
  }

  /** The mapping never changes, so a copy in memory is never stale; the oldest goes first. */
  private remember(tokenHash: string, userId: string): void {
    if (this.local.size >= LOCAL_TOKENS) this.local.delete(this.local.keys().next().value!);
    this.local.set(tokenHash, userId);
  }
}
