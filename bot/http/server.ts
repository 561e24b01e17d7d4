import Fastify, { type FastifyInstance, type FastifyRequest } from 'fastify';
import { consoleRoutes } from '../console/index.js';
import { cleanStrings } from '../conversations/clean-text.js';
import { t, type Lang } from '../../core/i18n/index.js';
import { isOutage } from '../../core/platform/outage.js';
import type { Config } from '../../core/platform/config.js';
import { servicesReady, type Services } from '../../core/platform/services.js';
import type { BotRuntime } from '../runtime.js';
import { apiDocs } from './docs.js';
import { metricsRoute } from './metrics.js';

/** The web chat API (README, Web chat API) allows bodies up to 256 KiB. */
const BODY_LIMIT = 256 * 1024;

const HSTS = 'max-age=31536000; includeSubDomains';
const RETRY_AFTER_SECONDS = 2;

/** The language for an error page: the request's own `lang`, else the browser's, else Chinese. */
function requestLang(req: FastifyRequest): Lang {
  const named = (req.body as { lang?: unknown } | undefined)?.lang ?? (req.query as { lang?: unknown } | undefined)?.lang;
  if (named === 'en' || named === 'zh') return named;
  return /^en\b/i.test(req.headers['accept-language'] ?? '') ? 'en' : 'zh';
}

/**
 * TRUST_PROXY for Fastify. Fastify 5.12 no longer takes a hop count (a number now trusts nobody),
 * so hops are counted here: the socket's peer and the next hops-1 addresses from the right are proxies.
 */
function trustProxy(setting: Config['TRUST_PROXY']): boolean | string[] | ((address: string, hop: number) => boolean) {
  return typeof setting === 'number' ? (_address, hop) => hop < setting : setting;
}

/** The HTTP side: each channel's routes, the staff console, and health checks for load balancers. */
export async function buildServer(services: Services, runtime: BotRuntime): Promise<FastifyInstance> {
  const app = Fastify({ bodyLimit: BODY_LIMIT, logger: false, trustProxy: trustProxy(services.config.TRUST_PROXY) });
  // Every route's JSON, query strings and path parameters are cleaned before any handler sees them
  // (the console's included): a NUL byte or a lone surrogate would otherwise fail the PostgreSQL
  // query or write.
  app.addHook('preValidation', async (req) => {
    cleanStrings(req.body);
    cleanStrings(req.query);
    cleanStrings(req.params);
  });
  app.addHook('onSend', async (req, reply) => {
    reply.header('x-content-type-options', 'nosniff');
    reply.header('referrer-policy', 'no-referrer');
    // JSON answers carry residents' phone numbers and words: no browser or proxy keeps a copy.
    if (String(reply.getHeader('content-type') ?? '').startsWith('application/json')) reply.header('cache-control', 'no-store');
    // Over HTTPS (as TRUST_PROXY lets the proxy say), browsers are told to use nothing else.
    if (req.protocol === 'https') reply.header('strict-transport-security', HSTS);
  });
  app.setErrorHandler((err: { statusCode?: number; message: string }, req, reply) => {
    // PostgreSQL or Redis is restarting: the resident is asked to try again, never shown a 500.
    if (isOutage(err)) {
      services.log.warn({ err: err.message, url: req.url }, 'request refused: a backing service is unavailable');
      return reply.code(503).header('retry-after', String(RETRY_AFTER_SECONDS)).send({ error: t(requestLang(req), 'input.unavailable') });
    }
    const status = err.statusCode && err.statusCode >= 400 && err.statusCode < 500 ? err.statusCode : 500;
    if (status === 500) services.log.error({ err, url: req.url }, 'request failed');
    const message = status === 413 ? 'Request body is larger than 256 KiB' : status === 500 ? 'Internal error' : err.message;
    return reply.code(status).send({ error: message });
  });
  app.setNotFoundHandler((_req, reply) => reply.code(404).send({ error: 'Not found' }));

  // Before the routes it describes: it learns them as they are added.
  if (services.config.API_DOCS) await apiDocs(app);
  await app.register(operatorRoutes, { services });
  await app.register(consoleRoutes, { services, handoff: runtime.handoff, chatLinks: runtime.chatLinks });
  for (const channel of runtime.channels) if (channel.routes) await app.register(channel.routes);
  return app;
}

/** Health checks for load balancers and, with METRICS_TOKEN, metrics for Prometheus. */
async function operatorRoutes(app: FastifyInstance, opts: { services: Services }): Promise<void> {
  const { services } = opts;
  app.get('/healthz', async () => ({ status: 'ok' }));
  app.get('/readyz', async (_req, reply) =>
    (await servicesReady(services)) ? { status: 'ready' } : reply.code(503).send({ status: 'unavailable' }),
  );
  await app.register(metricsRoute, { services });
}

/**
 * A worker process (mode workers) serves no channel; with METRICS_TOKEN set it answers the same
 * health checks and /metrics on PORT, so Prometheus sees its job durations too.
 */
export async function buildWorkerServer(services: Services): Promise<FastifyInstance> {
  const app = Fastify({ logger: false, trustProxy: trustProxy(services.config.TRUST_PROXY) });
  app.setNotFoundHandler((_req, reply) => reply.code(404).send({ error: 'Not found' }));
  await app.register(operatorRoutes, { services });
  return app;
}
