/**
 * Errors that mean PostgreSQL or Redis cannot be reached right now (a restart, a network cut),
 * as opposed to a bug: the request can simply be tried again in a moment.
 */
const SOCKET_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND', 'EHOSTUNREACH', 'ENETUNREACH', 'EAI_AGAIN']);
// node-redis (ClientClosedError, ClientOfflineError, ...), ioredis, BullMQ, pg pool.
const ERROR_NAMES = new Set([
  'ClientClosedError',
  'ClientOfflineError',
  'SocketClosedUnexpectedlyError',
  'ConnectionTimeoutError',
  'SocketTimeoutError',
  'ReconnectStrategyError',
  'DisconnectsClientError',
  'MaxRetriesPerRequestError',
  'PrismaClientInitializationError',
]);
// Prisma: database not reachable, timed out, connection closed, pool timeout, too many connections.
const PRISMA_CODES = new Set(['P1001', 'P1002', 'P1008', 'P1017', 'P2024', 'P2037']);
// PostgreSQL SQLSTATE: connection exceptions (08…), shutting down or starting up (57P01-57P03).
const PG_STATES = /^(08\d{3}|57P0[123])$/;
const MESSAGES =
  /Connection is closed|Connection terminated|connection timeout|Stream isn't writeable|the database system is (starting up|shutting down)|terminating connection due to administrator command|Server has closed the connection|Can't reach database server|The client is (closed|offline)|Socket closed unexpectedly/i;

type Inspectable = { name?: unknown; code?: unknown; message?: unknown; cause?: unknown; originalCode?: unknown; meta?: { driverAdapterError?: unknown } };

export function isOutage(err: unknown, depth = 0): boolean {
  if (depth > 5 || err === null || typeof err !== 'object') return false;
  const e = err as Inspectable;
  if (typeof e.name === 'string' && ERROR_NAMES.has(e.name)) return true;
  for (const code of [e.code, e.originalCode]) {
    if (typeof code === 'string' && (SOCKET_CODES.has(code) || PRISMA_CODES.has(code) || PG_STATES.test(code))) return true;
  }
  if (typeof e.message === 'string' && MESSAGES.test(e.message)) return true;
  // A node-redis command queue flushed on reconnect rejects with an empty Error whose cause says why.
  if (err instanceof AggregateError && err.errors.some((x) => isOutage(x, depth + 1))) return true;
  return isOutage(e.cause, depth + 1) || isOutage(e.meta?.driverAdapterError, depth + 1);
}
