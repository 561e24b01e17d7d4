import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { z } from 'zod';
import type { AppRedis } from '../platform/redis.js';

const sessionSchema = z.object({ staffId: z.string().uuid(), csrf: z.string() });
export type ConsoleSession = z.infer<typeof sessionSchema>;

/**
 * Console sign-ins, in Redis so that every process knows them. The cookie carries a random id;
 * Redis keys hold only its hash, so a copy of Redis cannot be replayed as cookies. Sliding
 * expiry: each use extends it.
 */
export class ConsoleSessions {
  constructor(
    private readonly redis: AppRedis,
    private readonly prefix: string,
    private readonly ttlSeconds: number,
  ) {}

  private key(id: string): string {
    return `${this.prefix}:console:session:${createHash('sha256').update(id).digest('hex')}`;
  }

  async create(staffId: string): Promise<{ id: string; session: ConsoleSession }> {
    const id = randomBytes(32).toString('base64url');
    const session = { staffId, csrf: randomBytes(24).toString('base64url') };
    await this.redis.set(this.key(id), JSON.stringify(session), { EX: this.ttlSeconds });
    return { id, session };
  }

  async get(id: string | undefined): Promise<ConsoleSession | null> {
    if (!id || id.length > 100) return null;
    const raw = await this.redis.get(this.key(id));
    if (!raw) return null;
    await this.redis.expire(this.key(id), this.ttlSeconds);
    const parsed = sessionSchema.safeParse(JSON.parse(raw));
    return parsed.success ? parsed.data : null;
  }

  async destroy(id: string): Promise<void> {
    await this.redis.del(this.key(id));
  }
}

/** Compares a presented CSRF token with the session's in constant time. */
export function csrfMatches(session: ConsoleSession, presented: unknown): boolean {
  if (typeof presented !== 'string') return false;
  const [a, b] = [Buffer.from(session.csrf), Buffer.from(presented)];
  return a.length === b.length && timingSafeEqual(a, b);
}
