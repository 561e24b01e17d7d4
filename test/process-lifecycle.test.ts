import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnMain } from './support/main-process.js';
import { startHarness, type Harness } from './support/harness.js';

// The harness provides a database and prefix of this file's own; the process under test uses them.
let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(() => h.close());

describe('the process', () => {
  it('starts on the given settings, serves the chat, and stops cleanly on SIGTERM', async () => {
    const port = 20_000 + Math.floor(Math.random() * 20_000);
    const child = spawnMain(h, 'all', { port, env: { LOG_LEVEL: 'info' }, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout!.on('data', (d) => (output += d));
    child.stderr!.on('data', (d) => (output += d));
    const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
    try {
      const base = `http://127.0.0.1:${port}`;
      for (let i = 0; ; i++) {
        const up = await fetch(`${base}/readyz`).then((r) => r.ok, () => false);
        if (up) break;
        if (i > 300) throw new Error(`did not start:\n${output}`);
        await new Promise((r) => setTimeout(r, 100));
      }
      const { token } = (await (await fetch(`${base}/api/webchat/sessions`, { method: 'POST' })).json()) as { token: string };
      const res = await fetch(`${base}/api/webchat/messages`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
        body: JSON.stringify({ text: '你好' }),
      });
      expect(res.status).toBe(200);
      child.kill('SIGTERM');
      expect(await exited).toBe(0);
      expect(output).toContain('shutting down');
    } finally {
      child.kill('SIGKILL');
    }
  }, 60_000);
});
