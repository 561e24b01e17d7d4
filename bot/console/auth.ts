import { createHash } from 'node:crypto';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { RateLimiter } from '../conversations/rate-limiter.js';
import type { Config } from '../platform/config.js';
import type { Db } from '../platform/db.js';
import type { Logger } from '../platform/log.js';
import type { AppRedis } from '../platform/redis.js';
import { checkPassword } from './passwords.js';
import { SESSION_COOKIE, STAFF_FIELDS, sessionOf, staffOf } from './guard.js';
import type { ConsoleSessions } from './sessions.js';

const loginBody = z.object({ username: z.string().trim().min(1).max(100), password: z.string().min(1).max(1000) });

// The session cookie: HttpOnly, SameSite=Strict, Secure over HTTPS.
function cookieOptions(config: Config, req: FastifyRequest) {
  const secure = config.CONSOLE_COOKIE_SECURE === 'auto' ? req.protocol === 'https' : config.CONSOLE_COOKIE_SECURE === 'true';
  return { path: '/console', httpOnly: true, sameSite: 'strict' as const, secure };
}

/**
 * Sign-in for the console (the one public console API route): argon2id passwords, a session
 * cookie, a CSRF token for the guard (guard.ts) to require on every change, lockout after
 * repeated failures.
 */
export async function consoleAuth(app: FastifyInstance, opts: { db: Db; redis: AppRedis; config: Config; log: Logger; sessions: ConsoleSessions; now?: () => Date }): Promise<void> {
  const { db, config, log, sessions } = opts;
  const now = opts.now ?? (() => new Date());
  const attempts = new RateLimiter(opts.redis, config.REDIS_PREFIX, { messages: config.CONSOLE_LOGIN_ATTEMPTS_PER_IP, windowSeconds: 600 });
  app.post('/console/api/login', async (req, reply) => {
    if (!(await attempts.allow(`console-login:${req.ip}`))) return reply.code(429).header('retry-after', '600').send({ error: 'too many attempts; try again in 10 minutes' });
    const body = loginBody.safeParse(req.body);
    if (!body.success) return reply.code(400).send({ error: 'username and password are required' });
    const found = await db.staff.findUnique({ where: { username: body.data.username } });
    // A name that is no account is "locked" the same way, so that a 423 does not reveal which names exist.
    const ghostKey = `${config.REDIS_PREFIX}:console:ghost-lock:${createHash('sha256').update(body.data.username).digest('hex')}`;
    const lockedUntil = found ? found.lockedUntil : await opts.redis.get(ghostKey).then((v) => (v ? new Date(v) : null));
    if (lockedUntil && lockedUntil > now()) {
      return reply.code(423).send({ error: `account locked after repeated failures; try again after ${lockedUntil.toISOString()}`, retryAt: lockedUntil });
    }
    const ok = (await checkPassword(found?.passwordHash ?? null, body.data.password)) && found && !found.disabled;
    if (!ok) {
      if (!found) {
        const countKey = `${ghostKey}:count`;
        const [failures] = await opts.redis.multi().incr(countKey).expire(countKey, 86_400).exec();
        if (Number(failures) >= config.CONSOLE_MAX_FAILED_LOGINS) {
          const until = new Date(now().getTime() + config.CONSOLE_LOCKOUT_MINUTES * 60_000);
          await opts.redis.multi().set(ghostKey, until.toISOString(), { EX: config.CONSOLE_LOCKOUT_MINUTES * 60 }).del(countKey).exec();
        }
      }
      if (found) {
        const failures = found.failedLogins + 1;
        const lock = failures >= config.CONSOLE_MAX_FAILED_LOGINS;
        await db.staff.update({
          where: { id: found.id },
          data: lock ? { failedLogins: 0, lockedUntil: new Date(now().getTime() + config.CONSOLE_LOCKOUT_MINUTES * 60_000) } : { failedLogins: failures },
        });
        if (lock) log.warn({ staffId: found.id }, 'console account locked after repeated failed sign-ins');
      }
      return reply.code(401).send({ error: 'wrong username or password' });
    }
    await db.staff.update({ where: { id: found.id }, data: { failedLogins: 0, lockedUntil: null } });
    const { id, session } = await sessions.create(found.id);
    log.info({ staffId: found.id }, 'console sign-in');
    const staff = await db.staff.findUniqueOrThrow({ where: { id: found.id }, select: STAFF_FIELDS });
    return reply.setCookie(SESSION_COOKIE, id, cookieOptions(config, req)).send({ staff, csrfToken: session.csrf });
  });
}

/** Who is signed in, and signing out; registered among the signed-in routes (behind the guard). */
export async function sessionRoutes(app: FastifyInstance, opts: { config: Config; sessions: ConsoleSessions }): Promise<void> {
  app.get('/console/api/me', async (req) => ({ staff: staffOf(req), csrfToken: sessionOf(req).csrf }));

  app.post('/console/api/logout', async (req, reply) => {
    await opts.sessions.destroy(sessionOf(req));
    return reply.clearCookie(SESSION_COOKIE, cookieOptions(opts.config, req)).send({ ok: true });
  });
}
