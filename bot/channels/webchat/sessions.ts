import { createHash, randomBytes, randomUUID } from 'node:crypto';
import type { Lang } from '../../../core/i18n/index.js';
import type { Db } from '../../../core/platform/db.js';
import type { AppRedis } from '../../../core/platform/redis.js';

const CACHE_SECONDS = 24 * 3600;
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
  constructor(
    private readonly db: Db,
    private readonly redis: AppRedis,
    private readonly prefix: string,
  ) {}

  /** A new resident and the token that acts as them. */
  async create(lang: Lang | undefined): Promise<string> {
    const token = randomBytes(32).toString('base64url');
    await this.db.resident.create({
      data: {
        channel: 'webchat',
        externalId: randomUUID(),
        ...(lang ? { language: lang } : {}),
        webchatSessions: { create: { tokenHash: hashToken(token) } },
      },
    });
    return token;
  }

  /** The web chat id of the resident a token acts as; undefined for anything not issued here. */
  async residentOf(token: string | undefined): Promise<string | undefined> {
    if (!token || !TOKEN.test(token)) return undefined;
    const tokenHash = hashToken(token);
    const cacheKey = `${this.prefix}:webchat:token:${tokenHash}`;
    const cached = await this.redis.get(cacheKey);
    if (cached) return cached;
    const session = await this.db.webchatSession.findUnique({ where: { tokenHash }, select: { resident: { select: { externalId: true } } } });
    if (!session) return undefined;
    await this.redis.set(cacheKey, session.resident.externalId, { EX: CACHE_SECONDS });
    return session.resident.externalId;
  }
}
