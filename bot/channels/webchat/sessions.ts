import { createHash, randomBytes, randomUUID } from 'node:crypto';
import type { Lang } from '../../../core/i18n/index.js';
import type { Sql } from '../../../core/platform/sql.js';

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
 * their conversation when Redis is emptied. Each process keeps the mapping, which never changes, in
 * memory: a copy in Redis would cost some 200 bytes per live dialogue to spare one indexed read
 * per resident and process.
 */
export class WebchatSessions {
  /** Token hash → web chat id, oldest first (a Map keeps insertion order), at most LOCAL_TOKENS. */
  private readonly local = new Map<string, string>();

  constructor(private readonly sql: Sql) {}

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
    return { token, userId };
  }

  /** The web chat id of the resident a token acts as, when this process has seen the token lately (no round trip). */
  known(token: string | undefined): string | undefined {
    return token && TOKEN.test(token) ? this.local.get(hashToken(token)) : undefined;
  }

  /** The web chat id of the resident a token acts as; undefined for anything not issued here. */
  async residentOf(token: string | undefined): Promise<string | undefined> {
    if (!token || !TOKEN.test(token)) return undefined;
    const tokenHash = hashToken(token);
    const known = this.local.get(tokenHash);
    if (known) return known;
    const { rows } = await this.sql.query<{ externalId: string }>(
      `SELECT r."externalId" FROM "WebchatSession" s JOIN "Resident" r ON r."id" = s."residentId" WHERE s."tokenHash" = $1`,
      [tokenHash],
    );
    const userId = rows[0]?.externalId;
    if (userId) this.remember(tokenHash, userId);
    return userId;
  }

  /** The mapping never changes, so a copy in memory is never stale; the oldest goes first. */
  private remember(tokenHash: string, userId: string): void {
    if (this.local.size >= LOCAL_TOKENS) this.local.delete(this.local.keys().next().value!);
    this.local.set(tokenHash, userId);
  }
}
