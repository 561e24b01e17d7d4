import { createHash } from 'node:crypto';
import cookie from '@fastify/cookie';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { cleanText } from '../conversations/clean-text.js';
import { RateLimiter } from '../conversations/rate-limiter.js';
import type { Config } from '../platform/config.js';
import type { Db, Staff } from '../platform/db.js';
import type { Logger } from '../platform/log.js';
import type { AppRedis } from '../platform/redis.js';
import { checkPassword } from './passwords.js';
import { ConsoleSessions, csrfMatches, type ConsoleSession } from './sessions.js';

export const SESSION_COOKIE = 'tm_console';

/** The signed-in member of staff, as console routes see them. */
export type ConsoleStaff = Pick<Staff, 'id' | 'username' | 'displayName' | 'role' | 'departmentId'>;

declare module 'fastify' {
  interface FastifyRequest {
    staff: ConsoleStaff | null;
    consoleSession: ConsoleSession | null;
  }
}

// The username goes to PostgreSQL: cleaned like every text from outside (a NUL byte would fail the query).
const loginBody = z.object({ username: z.string().transform(cleanText).pipe(z.string().trim().min(1).max(100)), password: z.string().min(1).max(1000) });
const PUBLIC = new Set(['/console/api/login']);
const UNSAFE = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);
const STAFF_FIELDS = { id: true, username: true, displayName: true, role: true, departmentId: true } as const;

/** The staff member behind a request that passed the console's guard. */
export function staffOf(req: FastifyRequest): ConsoleStaff {
  if (!req.staff) throw new Error('console route reached without a signed-in member of staff');
  return req.staff;
}

/** A route only some roles may use. */
export function requireRole(...roles: Staff['role'][]) {
  return async (req: FastifyRequest, reply: FastifyReply) => {
    if (!req.staff || !roles.includes(req.staff.role)) return reply.code(403).send({ error: 'not allowed for your role' });
  };
}

// A request from another site (a form or script elsewhere using the staff member's cookie).
function crossSite(req: FastifyRequest): boolean {
  // Browsers say where a request comes from; only this origin (or a typed URL) may change things.
  const site = req.headers['sec-fetch-site'];
  if (site !== undefined && site !== 'same-origin' && site !== 'none') return true;
  const origin = req.headers.origin;
  if (!origin) return false;
  try {
    return new URL(origin).host !== req.headers.host;
  } catch {
    return true;
  }
}

/**
 * Sign-in for the console: argon2id passwords, a session cookie (HttpOnly, SameSite=Strict,
 * Secure over HTTPS), a CSRF token required on every change, lockout after repeated failures,
 * and a guard that answers 401 for every anonymous call under /console/api/ (even unknown ones)
 * and under the queue dashboard.
 */
export async function consoleAuth(app: FastifyInstance, opts: { db: Db; redis: AppRedis; config: Config; log: Logger; now?: () => Date }): Promise<void> {
  const { db, config, log } = opts;
  const now = opts.now ?? (() => new Date());
  const sessions = new ConsoleSessions(opts.redis, config.REDIS_PREFIX, config.CONSOLE_SESSION_HOURS * 3600);
  const attempts = new RateLimiter(opts.redis, config.REDIS_PREFIX, { messages: config.CONSOLE_LOGIN_ATTEMPTS_PER_IP, windowSeconds: 600 });
  await app.register(cookie);
  app.decorateRequest('staff', null);
  app.decorateRequest('consoleSession', null);

  const secure = (req: FastifyRequest) => (config.CONSOLE_COOKIE_SECURE === 'auto' ? req.protocol === 'https' : config.CONSOLE_COOKIE_SECURE === 'true');
  const cookieOptions = (req: FastifyRequest) => ({ path: '/console', httpOnly: true, sameSite: 'strict' as const, secure: secure(req) });

  app.addHook('onRequest', async (req, reply) => {
    const path = req.url.split('?')[0]!;
    if (!path.startsWith('/console/api/') && !path.startsWith('/console/queues')) return;
    if (UNSAFE.has(req.method) && crossSite(req)) return reply.code(403).send({ error: 'cross-site request refused' });
    if (PUBLIC.has(path)) return;
    const session = await sessions.get(req.cookies[SESSION_COOKIE]);
    const staff = session && (await db.staff.findFirst({ where: { id: session.staffId, disabled: false }, select: STAFF_FIELDS }));
    if (!session || !staff) return reply.code(401).send({ error: 'please sign in' });
    if (UNSAFE.has(req.method) && !csrfMatches(session, req.headers['x-csrf-token'])) return reply.code(403).send({ error: 'missing or wrong CSRF token' });
    req.staff = staff;
    req.consoleSession = session;
  });

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
    return reply.setCookie(SESSION_COOKIE, id, cookieOptions(req)).send({ staff, csrfToken: session.csrf });
  });

  app.get('/console/api/me', async (req) => ({ staff: staffOf(req), csrfToken: req.consoleSession!.csrf }));

  app.post('/console/api/logout', async (req, reply) => {
    await sessions.destroy(req.cookies[SESSION_COOKIE]!);
    return reply.clearCookie(SESSION_COOKIE, cookieOptions(req)).send({ ok: true });
  });
}
