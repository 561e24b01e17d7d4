import type { FastifyInstance, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { cleanText } from '../conversations/clean-text.js';
import { RateLimiter } from '../conversations/rate-limiter.js';
import type { Config } from '../../core/platform/config.js';
import type { Db } from '../../core/platform/db.js';
import type { Logger } from '../../core/platform/log.js';
import type { AppRedis } from '../../core/platform/redis.js';
import { refuse } from './errors.js';
import { LoginAttempts } from './login-attempts.js';
import { checkPassword } from './passwords.js';
import { SESSION_COOKIE, STAFF_FIELDS, sessionOf, staffOf } from './guard.js';
import type { ConsoleSessions } from './sessions.js';

// The username goes to PostgreSQL: cleaned like every text from outside (a NUL byte would fail the query).
const loginBody = z.object({ username: z.string().transform(cleanText).pipe(z.string().trim().min(1).max(100)), password: z.string().min(1).max(1000) });

// The session cookie: HttpOnly, SameSite=Strict, Secure over HTTPS.
function cookieOptions(config: Config, req: FastifyRequest) {
  const secure = config.CONSOLE_COOKIE_SECURE === 'auto' ? req.protocol === 'https' : config.CONSOLE_COOKIE_SECURE === 'true';
  return { path: '/console', httpOnly: true, sameSite: 'strict' as const, secure };
}

/**
 * Sign-in for the console (the one public console API route): argon2id passwords, a session
 * cookie, a CSRF token for the guard (guard.ts) to require on every change, and a lockout per
 * name and address.
 */
export async function consoleAuth(app: FastifyInstance, opts: { db: Db; redis: AppRedis; config: Config; log: Logger; sessions: ConsoleSessions }): Promise<void> {
  const { db, config, log, sessions } = opts;
  const perAddress = new RateLimiter(opts.redis, config.REDIS_PREFIX, { messages: config.CONSOLE_LOGIN_ATTEMPTS_PER_IP, windowSeconds: 600 });
  const perName = new LoginAttempts(opts.redis, config.REDIS_PREFIX, { attempts: config.CONSOLE_MAX_FAILED_LOGINS, lockMs: config.CONSOLE_LOCKOUT_MINUTES * 60_000 });
  app.post('/console/api/login', { config: { docs: { body: loginBody } } }, async (req, reply) => {
    if (!(await perAddress.allow(`console-login:${req.ip}`))) return refuse(reply.header('retry-after', '600'), 429, 'too many attempts; try again in 10 minutes', 'staffError.loginTooMany');
    const body = loginBody.safeParse(req.body);
    if (!body.success) return refuse(reply, 400, 'username and password are required', 'staffError.loginMissing');
    const { username, password } = body.data;
    // Refused before the account is looked up: the answer is the same whether the name exists.
    const locked = await perName.take(username, req.ip);
    if (locked) {
      if (locked.justLocked) log.warn({ address: req.ip }, 'console sign-in locked for a name and address after repeated failures');
      return refuse(reply.header('retry-after', String(locked.retryAfter)), 423, 'too many failed sign-ins for this name; try again later', 'staffError.loginLocked');
    }
    const found = await db.staff.findUnique({ where: { username } });
    // Unknown names are checked against a dummy hash, so they take as long as a wrong password.
    const ok = (await checkPassword(found?.passwordHash ?? null, password)) && found && !found.disabled;
    if (!ok) return refuse(reply, 401, 'wrong username or password', 'staffError.loginWrong');
    await perName.clear(username, req.ip);
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
