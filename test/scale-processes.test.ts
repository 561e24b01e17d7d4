import type { ChildProcess } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnMain } from './support/main-process.js';
import { eventually, startHarness, type Harness } from './support/harness.js';

// Two bot processes and two worker processes on one PostgreSQL and one Redis (the harness's).
let h: Harness;
const children: ChildProcess[] = [];
const bots: string[] = [];

function start(mode: 'bot' | 'workers', port = 0): ChildProcess {
  const child = spawnMain(h, mode, { port, env: { LOG_LEVEL: 'warn', RATE_LIMIT_IP_MESSAGES: '100000' }, stdio: ['ignore', 'ignore', 'inherit'] });
  children.push(child);
  return child;
}

beforeAll(async () => {
  h = await startHarness();
  const base = 20_000 + Math.floor(Math.random() * 20_000);
  for (const port of [base, base + 1]) {
    start('bot', port);
    bots.push(`http://127.0.0.1:${port}`);
  }
  start('workers');
  start('workers');
  await eventually(async () => {
    const up = await Promise.all(bots.map((b) => fetch(`${b}/readyz`).then((r) => r.ok, () => false)));
    const listening = await Promise.all([h.services.queues.intake.getWorkersCount(), h.services.queues.notify.getWorkersCount()]);
    return up.every(Boolean) && listening.every((n) => n >= 2) ? true : undefined;
    // Four processes starting on two cores shared with the rest of the suite (one alone takes 5-50 s here).
  }, 170_000);
}, 180_000);

afterAll(async () => {
  await Promise.all(children.map((c) => new Promise((r) => (c.exitCode !== null ? r(null) : (c.once('exit', r), c.kill('SIGTERM'))))));
  await h?.close();
});

type Reply = { text: string; buttons?: { payload: string }[] };

/** A resident whose turns go to either bot process, turn by turn. */
async function resident() {
  const { token } = (await (await fetch(`${bots[0]}/api/webchat/sessions`, { method: 'POST' })).json()) as { token: string };
  const headers = { 'content-type': 'application/json', authorization: `Bearer ${token}` };
  let turn = 0;
  const send = async (body: { text?: string; payload?: string }, bot = bots[turn++ % 2]!) => {
    const res = await fetch(`${bot}/api/webchat/messages`, { method: 'POST', headers, body: JSON.stringify(body) });
    expect(res.status).toBe(200);
    return ((await res.json()) as { replies: Reply[] }).replies;
  };
  const page = async () => {
    const res = await fetch(`${bots[turn % 2]}/api/webchat/messages`, { headers });
    return ((await res.json()) as { messages: Reply[] }).messages;
  };
  return { send, page };
}

const PLACES = ['城东区八一路', '城西区胜利路', '湟中区鲁沙尔镇', '大通县桥头镇', '格尔木市昆仑路', '德令哈市长江路'];

describe('two bot and two worker processes', () => {
  it('turn every report filed through either bot into one case and one message, even confirmed on both at once', async () => {
    const residents = await Promise.all(PLACES.map(async (place, i) => ({ place, i, ...(await resident()) })));
    await Promise.all(
      residents.map(async ({ place, i, send }) => {
        await send({ text: '你好' });
        await send({ text: `${place}的路灯坏了${i + 2}个月，晚上出门很危险，老人摔倒过` });
        await send({ payload: 'topic:城乡建设' });
        const summary = (await send({ text: '13912345678' })).map((r) => r.text).join('\n');
        expect(summary).toContain('请核对');
        // A double press that reaches both processes at the same moment.
        await Promise.all(bots.map((bot) => send({ payload: 'confirm' }, bot)));
      }),
    );
    const { db } = h.services;
    const cases = await eventually(async () => {
      const rows = await db.case.findMany({ where: { departmentId: { not: null } } });
      return rows.length >= residents.length ? rows : undefined;
    }, 20_000);
    expect(await db.submission.count()).toBe(residents.length);
    expect(cases).toHaveLength(residents.length);
    expect(new Set(cases.map((c) => c.number)).size).toBe(residents.length);
    for (const { page } of residents) {
      const told = await eventually(async () => {
        const messages = (await page()).filter((m) => cases.some((c) => m.text.includes(c.number)));
        return messages.length ? messages : undefined;
      });
      // A moment more for any second message to show up; there must be none.
      await new Promise((r) => setTimeout(r, 300));
      expect((await page()).filter((m) => cases.some((c) => m.text.includes(c.number)))).toHaveLength(told.length);
      expect(told).toHaveLength(1);
    }
  }, 30_000);
});
