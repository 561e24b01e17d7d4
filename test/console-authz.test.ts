// Every console route refuses anonymous callers, whichever way its URL is spelled (issue 10,
// finding 1), and the headers that keep personal data out of caches and frames.
import { request } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { hashPassword } from '../bot/console/passwords.js';
import { startHarness, type Harness } from './support/harness.js';

// The real server's route table, as Fastify announces each route (onRoute) while it is built.
const routes = vi.hoisted(() => [] as { method: string; url: string }[]);
vi.mock('fastify', async (importOriginal) => {
  const real = await importOriginal<typeof import('fastify')>();
  const build = ((...args: unknown[]) => {
    const app = (real.default as (...a: unknown[]) => import('fastify').FastifyInstance)(...args);
    app.addHook('onRoute', (route) => {
      for (const method of Array.isArray(route.method) ? route.method : [route.method]) routes.push({ method, url: route.url });
    });
    return app;
  }) as typeof real.default;
  return { ...real, default: build };
});

const PASSWORD = 'correct horse battery';
// Console routes anyone may call: the page, its assets, and signing in.
// The page and its scripts hold no data (the sign-in page needs them); everything else needs a session.
const ASSETS = ['desk.js', 'desk.css', 'ranking.js', 'admin-alerts.js', 'faq.js', 'projects.js', 'model.js', 'templates.js', 'similar.js'].flatMap((file) => [`GET /console/${file}`, `HEAD /console/${file}`]);
const PUBLIC = new Set(['GET /console', 'HEAD /console', ...ASSETS, 'POST /console/api/login']);
const METHODS = new Set(['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE']);
const ID = '4f0c7f4e-1f7e-4c31-9a55-8f3f2f1d2b11';

let h: Harness;
let port: number;

beforeAll(async () => {
  // TRUST_PROXY so that a request can say it came over HTTPS (X-Forwarded-Proto), as behind the office's proxy.
  h = await startHarness({ env: { OFFICE_HOURS: 'always', CONSOLE_COOKIE_SECURE: 'false', TRUST_PROXY: '1' } });
  const hash = await hashPassword(PASSWORD);
  await h.services.db.staff.createMany({
    data: [
      { username: 'root', role: 'admin', passwordHash: hash },
      { username: 'office', role: 'supervisor', passwordHash: hash },
    ],
  });
  await h.app.listen({ host: '127.0.0.1', port: 0 });
  port = (h.app.server.address() as AddressInfo).port;
});
afterAll(() => h.close());

/** A concrete path for a route pattern: ids for parameters, a word for wildcards. */
function concrete(pattern: string): string {
  return pattern.replace(/:[A-Za-z]+/g, ID).replace(/\*$/, 'anything');
}

/** The ways an attacker may spell one path. */
function spellings(path: string): string[] {
  const segments = path.split('/').slice(1);
  const encodeFirst = (i: number) =>
    '/' + segments.map((s, j) => (j === i && /^[a-z]/.test(s) ? `%${s.charCodeAt(0).toString(16)}${s.slice(1)}` : s)).join('/');
  return [
    path,
    ...segments.map((_, i) => encodeFirst(i)).filter((p) => p !== path),
    path.replace(/[a-z]/g, (c) => `%${c.charCodeAt(0).toString(16)}`),
    path.toUpperCase(),
    path.replace(/^\/console/, '/CONSOLE'),
    path.replaceAll('/', '//'),
    path.replace(/^\/console\//, '/console/x/../'),
    path.replace(/^\/console\//, '/console/./'),
    path.replace(/^\/console\//, '/console/%2e%2e/console/'),
  ];
}

/** A request over the wire with the path exactly as given (no client tidies it up). */
function raw(method: string, path: string): Promise<{ statusCode: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, method, path }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => resolve({ statusCode: res.statusCode!, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

const signIn = async (username: string) => {
  const res = await h.app.inject({ method: 'POST', url: '/console/api/login', payload: { username, password: PASSWORD } });
  expect(res.statusCode).toBe(200);
  return { cookie: String(res.headers['set-cookie']).split(';')[0]!, csrf: res.json().csrfToken as string };
};

describe('the console’s route table', () => {
  it('lists the console’s routes, the API and the queue dashboard among them', () => {
    const urls = new Set(routes.map((r) => r.url));
    for (const url of ['/console/api/dashboard', '/console/api/admin/staff', '/console/api/stream', '/console/api/cases/:id', '/console/queues', '/console/api/*']) expect(urls, url).toContain(url);
  });

  it('refuses every console route to an anonymous caller, however the path is spelled', async () => {
    const guarded = routes.filter((r) => (r.url === '/console' || r.url.startsWith('/console/')) && METHODS.has(r.method) && !PUBLIC.has(`${r.method} ${r.url}`));
    expect(guarded.length).toBeGreaterThan(40);
    const leaks: string[] = [];
    for (const { method, url } of guarded) {
      const path = concrete(url);
      for (const spelled of spellings(path)) {
        const res = await raw(method, `${spelled}?from=2026-01-01&to=2026-12-31`);
        const onlyAnError = method === 'HEAD' ? res.body === '' : /^\{"error":"[^"]*"\}$/.test(res.body);
        if (res.statusCode < 400 || !onlyAnError) leaks.push(`${method} ${spelled} → ${res.statusCode} ${res.body.slice(0, 80)}`);
        // Spelled as registered, or as the router decodes it, the guard itself answers.
        if (spelled === path || decodeURIComponent(spelled) === path) {
          if (res.statusCode !== 401) leaks.push(`${method} ${spelled} → ${res.statusCode}, not 401`);
        }
      }
    }
    expect(leaks).toEqual([]);
  }, 120_000);

  it('still serves the public console routes', async () => {
    expect((await h.app.inject({ method: 'GET', url: '/console' })).statusCode).toBe(200);
    expect((await h.app.inject({ method: 'GET', url: '/console/desk.js' })).statusCode).toBe(200);
    expect((await h.app.inject({ method: 'POST', url: '/console/api/login', payload: { username: 'root', password: 'wrong password' } })).statusCode).toBe(401);
  });
});

describe('headers', () => {
  it('marks JSON that may carry personal data no-store, the console’s and the web chat’s', async () => {
    const office = await signIn('office');
    const me = await h.app.inject({ method: 'GET', url: '/console/api/me', headers: { cookie: office.cookie } });
    expect(me.statusCode).toBe(200);
    expect(me.headers['cache-control']).toBe('no-store');
    const chat = await h.app.inject({ method: 'POST', url: '/api/webchat/messages', payload: { userId: 'cache-check', text: '你好' } });
    expect(chat.headers['content-type']).toContain('application/json');
    expect(chat.headers['cache-control']).toBe('no-store');
  });

  it('sends HSTS over HTTPS only', async () => {
    const https = await h.app.inject({ method: 'GET', url: '/console', headers: { 'x-forwarded-proto': 'https' } });
    expect(https.headers['strict-transport-security']).toMatch(/^max-age=\d{7,}/);
    const http = await h.app.inject({ method: 'GET', url: '/console' });
    expect(http.headers['strict-transport-security']).toBeUndefined();
  });
});

describe('the queue dashboard', () => {
  it('is framed by no one, loads no external fonts, and is read-only', async () => {
    const root = await signIn('root');
    const page = await h.app.inject({ method: 'GET', url: '/console/queues', headers: { cookie: root.cookie } });
    expect(page.statusCode).toBe(200);
    expect(page.headers['content-security-policy']).toContain("frame-ancestors 'none'");
    expect(page.headers['content-security-policy']).toContain("font-src 'self'");
    expect(page.body).toContain('static/js/');
    expect(page.body).not.toMatch(/https?:\/\//);

    const queue = Object.values(h.services.queues)[0]!;
    const pause = await h.app.inject({ method: 'PUT', url: `/console/queues/api/queues/${encodeURIComponent(queue.name)}/pause`, headers: { cookie: root.cookie, 'x-csrf-token': root.csrf } });
    expect(pause.statusCode).toBe(405);
    expect(await queue.isPaused()).toBe(false);
    // Reading works (through the guard, with the session cookie).
    const list = await h.app.inject({ method: 'GET', url: '/console/queues/api/queues', headers: { cookie: root.cookie } });
    expect(list.statusCode).toBe(200);
    expect(list.json().queues.map((q: { name: string }) => q.name)).toContain(queue.name);
  });
});
