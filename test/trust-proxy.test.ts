import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../core/platform/config.js';
import { startHarness, type Harness } from './support/harness.js';

// Tingmin behind one reverse proxy at 10.0.0.2, which appends the address it saw to X-Forwarded-For.
const PROXY = '10.0.0.2';
let h: Harness;

beforeAll(async () => {
  h = await startHarness({ env: { TRUST_PROXY: '1', RATE_LIMIT_IP_MESSAGES: '5', RATE_LIMIT_WINDOW_SECONDS: '60', CONSOLE_LOGIN_ATTEMPTS_PER_IP: '5' } });
});
afterAll(() => h.close());

// The client writes any X-Forwarded-For it likes; the proxy adds the address the request came from.
const viaProxy = (client: string, forged: string) => ({ remoteAddress: PROXY, headers: { 'x-forwarded-for': `${forged}, ${client}` } });
const forged = (i: number) => `198.51.100.${i + 1}`;

describe('TRUST_PROXY', () => {
  it('takes a hop count or the proxies’ addresses, and refuses "true"', () => {
    expect(loadConfig({}).TRUST_PROXY).toBe(false);
    expect(loadConfig({ TRUST_PROXY: '2' }).TRUST_PROXY).toBe(2);
    expect(loadConfig({ TRUST_PROXY: '10.0.0.0/8, 192.0.2.10,fd00::/8' }).TRUST_PROXY).toEqual(['10.0.0.0/8', '192.0.2.10', 'fd00::/8']);
    expect(() => loadConfig({ TRUST_PROXY: 'true' })).toThrow(/TRUST_PROXY: .*"true" would let clients choose their own address/);
    expect(() => loadConfig({ TRUST_PROXY: '10.0.0.0/40' })).toThrow(/TRUST_PROXY/);
  });

  it('keeps the web chat limit per client address whatever X-Forwarded-For the client writes', async () => {
    // Each message from a resident of its own, whose session was opened from an address of its own.
    const send = async (i: number, client: string) => {
      const opened = await h.app.inject({ method: 'POST', url: '/api/webchat/sessions', remoteAddress: `198.51.100.${i + 1}` });
      const proxied = viaProxy(client, forged(i));
      const headers = { ...proxied.headers, authorization: `Bearer ${opened.json().token}` };
      return h.app.inject({ method: 'POST', url: '/api/webchat/messages', ...proxied, headers, payload: { text: '你好' } });
    };
    for (let i = 0; i < 5; i++) expect((await send(i, '203.0.113.30')).statusCode).toBe(200);
    expect((await send(5, '203.0.113.30')).statusCode).toBe(429);
    expect((await send(6, '203.0.113.31')).statusCode).toBe(200);
  });

  it('keeps the console sign-in limit per client address whatever X-Forwarded-For the client writes', async () => {
    const attempt = (i: number, client: string) =>
      h.app.inject({ method: 'POST', url: '/console/api/login', ...viaProxy(client, forged(i)), payload: { username: `guess${i}`, password: 'wrong password' } });
    for (let i = 0; i < 5; i++) expect((await attempt(i, '203.0.113.40')).statusCode).toBe(401);
    expect((await attempt(5, '203.0.113.40')).statusCode).toBe(429);
    expect((await attempt(6, '203.0.113.41')).statusCode).toBe(401);
  });
});
