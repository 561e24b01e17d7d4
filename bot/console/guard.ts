import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Db, Staff } from '../../core/platform/db.js';
import { refuse } from './errors.js';
import { csrfMatches, type ConsoleSession, type ConsoleSessions } from './sessions.js';

export const SESSION_COOKIE = 'tm_console';

/** The signed-in member of staff, as console routes see them. */
export type ConsoleStaff = Pick<Staff, 'id' | 'username' | 'displayName' | 'role' | 'departmentId'>;
export const STAFF_FIELDS = { id: true, username: true, displayName: true, role: true, departmentId: true } as const;

declare module 'fastify' {
  interface FastifyRequest {
    staff: ConsoleStaff | null;
    consoleSession: ConsoleSession | null;
  }
}

const UNSAFE = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

/** The staff member behind a request that passed `requireStaff`. */
export function staffOf(req: FastifyRequest): ConsoleStaff {
  if (!req.staff) throw new Error('console route reached without a signed-in member of staff');
  return req.staff;
}

/** The sign-in behind a request that passed `requireStaff`. */
export function sessionOf(req: FastifyRequest): ConsoleSession {
  if (!req.consoleSession) throw new Error('console route reached without a sign-in');
  return req.consoleSession;
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

/** onRequest hook for every console route, sign-in included: changes only from this origin. */
export async function refuseCrossSite(req: FastifyRequest, reply: FastifyReply) {
  if (UNSAFE.has(req.method) && crossSite(req)) return reply.code(403).send({ error: 'cross-site request refused' });
}

/**
 * onRequest hook of the console's signed-in routes (added in their own encapsulated context, so
 * it guards exactly the routes registered there, however their URL is spelled): a live session
 * of an active account, and its CSRF token on changes. Sets `request.staff`.
 */
export function requireStaff(db: Db, sessions: ConsoleSessions) {
  return async (req: FastifyRequest, reply: FastifyReply) => {
    const session = await sessions.get(req.cookies[SESSION_COOKIE]);
    const staff = session && (await db.staff.findFirst({ where: { id: session.staffId, disabled: false }, select: STAFF_FIELDS }));
    // Anonymous callers get the bare error and nothing more (the page answers 401 with its sign-in form).
    if (!session || !staff) return reply.code(401).send({ error: 'please sign in' });
    if (UNSAFE.has(req.method) && !csrfMatches(session, req.headers['x-csrf-token'])) return refuse(reply, 403, 'missing or wrong CSRF token', 'staffError.csrf');
    req.staff = staff;
    req.consoleSession = session;
  };
}

/** onRequest hook (after `requireStaff`) of routes only some roles may use. */
export function requireRole(...roles: Staff['role'][]) {
  return async (req: FastifyRequest, reply: FastifyReply) => {
    if (!req.staff || !roles.includes(req.staff.role)) return refuse(reply, 403, 'not allowed for your role', 'staffError.roleMayNot');
  };
}
