import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildServer } from '../bot/http/server.js';
import { startHarness, type Harness } from './support/harness.js';

type Operation = {
  tags?: string[];
  security?: Record<string, string[]>[];
  parameters?: { name: string; in: string }[];
  requestBody?: { content: Record<string, { schema: { properties?: Record<string, { enum?: string[]; type?: string }>; required?: string[] } }> };
};
type Spec = { openapi: string; paths: Record<string, Record<string, Operation>> };

let h: Harness;
let spec: Spec;
beforeAll(async () => {
  h = await startHarness({ env: { API_DOCS: 'true' } });
  const res = await h.app.inject({ method: 'GET', url: '/docs/json' });
  expect(res.statusCode).toBe(200);
  spec = res.json();
});
afterAll(() => h.close());

const bodyOf = (path: string, method = 'post') => spec.paths[path]?.[method]?.requestBody?.content['application/json']?.schema;

describe('/docs', () => {
  it('describes the web chat API with the bodies its handlers validate', () => {
    expect(spec.openapi).toBe('3.1.0');
    expect(bodyOf('/api/webchat/sessions')?.properties?.lang?.enum).toEqual(['zh', 'en']);
    const message = bodyOf('/api/webchat/messages');
    expect(Object.keys(message?.properties ?? {}).sort()).toEqual(['lang', 'messageId', 'payload', 'text']);
    expect(spec.paths['/api/webchat/messages']?.get?.parameters?.map((p) => `${p.in}:${p.name}`)).toEqual(['query:after']);
    expect(spec.paths['/api/webchat/messages']?.post?.security).toEqual([{ webchatToken: [] }]);
    expect(spec.paths['/api/webchat/sessions']?.post?.security).toEqual([]);
    // Signing out needs the token it signs out.
    expect(spec.paths['/api/webchat/sessions']?.delete?.security).toEqual([{ webchatToken: [] }]);
  });

  it('describes the console API, every route but sign-in behind the session', () => {
    expect(bodyOf('/console/api/login')?.required?.sort()).toEqual(['password', 'username']);
    expect(Object.keys(bodyOf('/console/api/cases/{id}/{action}')?.properties ?? {}).sort()).toEqual(['departmentId', 'evidence', 'placeText', 'regionCode', 'text', 'topic', 'until']);
    expect(Object.keys(bodyOf('/console/api/admin/holidays')?.properties ?? {}).sort()).toEqual(['days', 'year']);
    expect(bodyOf('/console/api/admin/staff/{id}')?.properties?.disabled?.type).toBe('boolean');
    expect(Object.keys(spec.paths['/console/api/admin/routing']?.post?.requestBody?.content ?? {})).toEqual(['text/csv']);
    const caseFilters = spec.paths['/console/api/cases']?.get?.parameters?.map((p) => p.name) ?? [];
    expect(caseFilters).toEqual(expect.arrayContaining(['status', 'q', 'page', 'pageSize']));
    expect(spec.paths['/console/api/figures']?.get?.parameters?.map((p) => p.name).sort()).toEqual(['from', 'lang', 'to']);

    const consolePaths = Object.keys(spec.paths).filter((p) => p.startsWith('/console/api/'));
    expect(consolePaths).toEqual(expect.arrayContaining(['/console/api/handoffs/{id}/{action}', '/console/api/me/chat-link/confirm', '/console/api/stream']));
    for (const path of consolePaths) {
      for (const [method, op] of Object.entries(spec.paths[path]!)) {
        expect(op.security, `${method} ${path}`).toEqual(path === '/console/api/login' ? [] : [{ consoleSession: [] }]);
      }
    }
    // Pages, assets, health checks, the queue dashboard and catch-alls are no API.
    expect(Object.keys(spec.paths).filter((p) => !p.startsWith('/api/webchat/') && !p.startsWith('/console/api/'))).toEqual([]);
    expect(Object.keys(spec.paths).filter((p) => p.includes('*'))).toEqual([]);
  });

  it('serves Swagger UI and its assets from this server, under a Content-Security-Policy', async () => {
    const page = await h.app.inject({ method: 'GET', url: '/docs/' });
    expect(page.statusCode).toBe(200);
    expect(page.headers['content-type']).toMatch(/text\/html/);
    expect(page.headers['content-security-policy']).toMatch(/script-src 'self'/);
    expect(page.body).not.toMatch(/https?:\/\/(?!localhost)[a-z]/i);
    const bundle = await h.app.inject({ method: 'GET', url: '/docs/static/swagger-ui-bundle.js' });
    expect(bundle.statusCode).toBe(200);
    expect(bundle.body.length).toBeGreaterThan(100_000);
  });

  it('is off unless API_DOCS=true', async () => {
    const app = await buildServer({ ...h.services, config: { ...h.services.config, API_DOCS: false } }, h.runtime);
    for (const url of ['/docs', '/docs/json']) expect((await app.inject({ method: 'GET', url })).statusCode).toBe(404);
    await app.close();
  });
});
