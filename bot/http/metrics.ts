import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import type { Services } from '../../core/platform/services.js';

const digest = (value: string) => createHash('sha256').update(value).digest();

/**
 * GET /metrics for Prometheus, only when METRICS_TOKEN is set, and only for a request carrying it
 * (`Authorization: Bearer <token>`): the figures tell how busy the office is, so nobody else reads them.
 */
export async function metricsRoute(app: FastifyInstance, opts: { services: Services }): Promise<void> {
  const { metrics, config } = opts.services;
  const token = config.METRICS_TOKEN;
  if (!token) return;
  const expected = digest(token);
  app.get('/metrics', async (req, reply) => {
    const given = /^Bearer (\S+)$/.exec(req.headers.authorization ?? '')?.[1];
    // Compared as digests of equal length, in constant time.
    if (!given || !timingSafeEqual(digest(given), expected)) {
      return reply.code(401).header('www-authenticate', 'Bearer realm="metrics"').send({ error: 'a metrics token is required' });
    }
    const { contentType, body } = await metrics.render();
    return reply.type(contentType).header('cache-control', 'no-store').send(body);
  });
}
