import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';

/**
 * What a route tells the API documentation: the zod schemas its handler validates with (they stay
 * the one source; the handler still validates, after its own rate limits and sign-in checks, so
 * answers keep their order and shape) and the body's media type when it is not JSON (such a body is documented as text).
 */
export type RouteDocs = { body?: z.ZodType; querystring?: z.ZodType; params?: z.ZodType; consumes?: string[] };

declare module 'fastify' {
  interface FastifyContextConfig {
    docs?: RouteDocs;
  }
}

/** The documented APIs: every route under these paths, and nothing else (pages, assets, the queue dashboard). */
const AREAS = [
  // Opening a web chat session needs no token; signing it out (DELETE) does.
  { prefix: '/api/webchat/', tag: 'webchat', security: (url: string, method: unknown) => (url === '/api/webchat/sessions' && method === 'POST' ? [] : [{ webchatToken: [] }]) },
  { prefix: '/console/api/', tag: 'console', security: (url: string) => (url === '/console/api/login' ? [] : [{ consoleSession: [] }]) },
];

/** A zod schema as JSON Schema, as the client sends it (before defaults and transforms). */
function jsonSchema(schema: z.ZodType | undefined): Record<string, unknown> | undefined {
  if (!schema) return undefined;
  const { $schema: _dialect, ...rest } = z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' });
  return rest;
}

/**
 * OpenAPI for the web chat and console APIs (`GET /docs/json`, `/docs/yaml`) and Swagger UI at
 * `/docs`, its assets served from the npm package. Registered before the routes it describes.
 */
export async function apiDocs(app: FastifyInstance): Promise<void> {
  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: { title: 'Tingmin', version: '1', description: 'The web chat API (residents) and the console API (staff); README.md describes both.' },
      components: {
        securitySchemes: {
          webchatToken: { type: 'http', scheme: 'bearer', description: 'The token from POST /api/webchat/sessions (or its cookie tm_webchat)' },
          consoleSession: { type: 'apiKey', in: 'cookie', name: 'tm_console', description: 'The session from POST /console/api/login; every POST also needs its csrfToken in X-CSRF-Token' },
        },
      },
    },
    transform: ({ url, route }) => {
      const area = AREAS.find((a) => url.startsWith(a.prefix));
      if (!area || url.includes('*')) return { url, schema: { hide: true } };
      const docs = route.config?.docs ?? {};
      const schema = {
        tags: [area.tag],
        security: area.security(url, route.method),
        // A body in another media type (the routing rules' CSV) is text.
        body: jsonSchema(docs.body) ?? (docs.consumes ? { type: 'string' } : undefined),
        querystring: jsonSchema(docs.querystring),
        params: jsonSchema(docs.params),
        consumes: docs.consumes,
      };
      return { url, schema: Object.fromEntries(Object.entries(schema).filter(([, v]) => v !== undefined)) };
    },
  });
  await app.register(swaggerUi, { routePrefix: '/docs', staticCSP: true });
}
