import cookie from '@fastify/cookie';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { RateLimiter } from '../conversations/rate-limiter.js';
import type { Config } from '../platform/config.js';
import type { Db, Staff } from '../platform/db.js';
import type { Logger } from '../platform/log.js';
import type { AppRedis } from '../platform/redis.js';
import { LoginAttempts } from './login-attempts.js';
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

const loginBody = z.object({ username: z.string().trim().min(1).max(100), password: z.string().min(1).max(1000) });
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
 * Secure over HTTPS), a CSRF token required on every change, a lockout per name and address,
 * and a guard that answers 401 for every anonymous call under /console/api/ (even unknown ones)
 * and under the queue dashboard.
 */
export async function consoleAuth(app: FastifyInstance, opts: { db: Db; redis: AppRedis; config: Config; log: Logger }): Promise<void> {
  const { db, config, log } = opts;
  const sessions = new ConsoleSessions(opts.redis, config.REDIS_PREFIX, config.CONSOLE_SESSION_HOURS * 3600);
  const perAddress = new RateLimiter(opts.redis, config.REDIS_PREFIX, { messages: config.CONSOLE_LOGIN_ATTEMPTS_PER_IP, windowSeconds: 600 });
  const perName = new LoginAttempts(opts.redis, config.REDIS_PREFIX, { attempts: config.CONSOLE_MAX_FAILED_LOGINS, lockMs: config.CONSOLE_LOCKOUT_MINUTES * 60_000 });
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
    if (!(await perAddress.allow(`console-login:${req.ip}`))) return reply.code(429).header('retry-after', '600').send({ error: 'too many attempts; try again in 10 minutes' });
    const body = loginBody.safeParse(req.body);
    if (!body.success) return reply.code(400).send({ error: 'username and password are required' });
    const { username, password } = body.data;
    // Refused before the account is looked up: the answer is the same whether the name exists.
    const locked = await perName.take(username, req.ip);
    if (locked) {
      if (locked.justLocked) log.warn({ address: req.ip }, 'console sign-in locked for a name and address after repeated failures');
      return reply.code(423).header('retry-after', String(locked.retryAfter)).send({ error: 'too many failed sign-ins for this name; try again later' });
    }
    const found = await db.staff.findUnique({ where: { username } });
    // Unknown names are checked against a dummy hash, so they take as long as a wrong password.
    const ok = (await checkPassword(found?.passwordHash ?? null, password)) && found && !found.disabled;
    if (!ok) return reply.code(401).send({ error: 'wrong username or password' });
    await perName.clear(username, req.ip);
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
