import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { z } from 'zod';
import type { Config } from '../../core/platform/config.js';
import type { AppRedis } from '../../core/platform/redis.js';

const sessionSchema = z.object({ staffId: z.string().uuid(), csrf: z.string() });
/** A sign-in; `handle` (the hash of the cookie's id) names it to the guard and the live streams. */
export type ConsoleSession = z.infer<typeof sessionSchema> & { handle: string };

/** Told to every process when sign-ins end (logout, an account disabled, a password reset), so open live streams close. */
export const endedSchema = z.union([z.object({ handle: z.string() }), z.object({ staffId: z.string() })]);
export type SessionsEnded = z.infer<typeof endedSchema>;

/**
 * Console sign-ins, in Redis so that every process knows them. The cookie carries a random id;
 * Redis keys hold only its hash, so a copy of Redis cannot be replayed as cookies. Sliding
 * expiry: each use extends it. Each account's sign-ins are listed, so that they can all be ended.
 */
export class ConsoleSessions {
  constructor(
    private readonly redis: AppRedis,
    private readonly prefix: string,
    private readonly ttlSeconds: number,
  ) {}

  static of(services: { redis: AppRedis; config: Config }): ConsoleSessions {
    return new ConsoleSessions(services.redis, services.config.REDIS_PREFIX, services.config.CONSOLE_SESSION_HOURS * 3600);
  }

  private key(handle: string): string {
    return `${this.prefix}:console:session:${handle}`;
  }

  private accountKey(staffId: string): string {
    return `${this.prefix}:console:sessions-of:${staffId}`;
  }

  /** The channel on which ended sign-ins are announced. */
  get endedChannel(): string {
    return `${this.prefix}:console:sessions-ended`;
  }

  async create(staffId: string): Promise<{ id: string; session: ConsoleSession }> {
    const id = randomBytes(32).toString('base64url');
    const handle = hashOf(id);
    const session = { staffId, csrf: randomBytes(24).toString('base64url') };
    await this.redis
      .multi()
      .set(this.key(handle), JSON.stringify(session), { EX: this.ttlSeconds })
      .sAdd(this.accountKey(staffId), handle)
      .expire(this.accountKey(staffId), this.ttlSeconds)
      .exec();
    return { id, session: { ...session, handle } };
  }

  async get(id: string | undefined): Promise<ConsoleSession | null> {
    if (!id || id.length > 100) return null;
    const handle = hashOf(id);
    const raw = await this.redis.get(this.key(handle));
    if (!raw) return null;
    const parsed = sessionSchema.safeParse(JSON.parse(raw));
    if (!parsed.success) return null;
    await this.redis.multi().expire(this.key(handle), this.ttlSeconds).expire(this.accountKey(parsed.data.staffId), this.ttlSeconds).exec();
    return { ...parsed.data, handle };
  }

  /** Whether a sign-in is still open (without extending it). */
  async alive(handle: string): Promise<boolean> {
    return (await this.redis.exists(this.key(handle))) === 1;
  }

  /** Logout: this sign-in ends, and its live streams close. */
  async destroy(session: ConsoleSession): Promise<void> {
    await this.redis.multi().del(this.key(session.handle)).sRem(this.accountKey(session.staffId), session.handle).exec();
    await this.announce({ handle: session.handle });
  }

  /** Every sign-in of an account ends (disabled, or its password reset), and its live streams close. */
  async endAll(staffId: string): Promise<void> {
    const handles = await this.redis.sMembers(this.accountKey(staffId));
    await this.redis.del([this.accountKey(staffId), ...handles.map((h) => this.key(h))]);
    await this.announce({ staffId });
  }

  private async announce(ended: SessionsEnded): Promise<void> {
    await this.redis.publish(this.endedChannel, JSON.stringify(ended));
  }
}

function hashOf(id: string): string {
  return createHash('sha256').update(id).digest('hex');
}

/** Compares a presented CSRF token with the session's in constant time. */
export function csrfMatches(session: ConsoleSession, presented: unknown): boolean {
  if (typeof presented !== 'string') return false;
  const [a, b] = [Buffer.from(session.csrf), Buffer.from(presented)];
  return a.length === b.length && timingSafeEqual(a, b);
}
