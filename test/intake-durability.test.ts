import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pgConfig } from '../prisma/pg-config.js';
import { startWorkers } from '../workers/index.js';
import { processIntake } from '../workers/intake.js';
import { processReconcile } from '../workers/reconcile.js';
import { processRoute } from '../workers/route.js';
import { eventually, startHarness, uniqueUser, type Harness } from './support/harness.js';

// No workers in the harness: each test decides who processes the queue.
let h: Harness;
beforeAll(async () => {
  h = await startHarness({ env: { WORKER_LOCK_MS: '1500', RECONCILE_AFTER_MS: '1' } });
});
afterAll(() => h.close());

async function confirmReport(user: string, text: string): Promise<string> {
  await h.say(user, text);
  await h.press(user, 'topic:城乡建设');
  await h.press(user, 'skip');
  await h.press(user, 'confirm');
  const resident = await h.services.db.resident.findFirstOrThrow({ where: { externalId: user } });
  const submission = await h.services.db.submission.findFirstOrThrow({ where: { residentId: resident.id }, orderBy: { createdAt: 'desc' } });
  return submission.id;
}

const casesOf = (submissionId: string) => h.services.db.case.findMany({ where: { submissionId } });

describe('a confirmed report is never lost nor doubled', () => {
  it('stores the submission before any worker runs', async () => {
    const id = await confirmReport(uniqueUser(), '城北区小桥大街的人行道砖块松动，已经有老人摔倒');
    const job = await h.services.queues.intake.getJob(id);
    expect(job?.data).toEqual({ submissionId: id });
    expect(await casesOf(id)).toHaveLength(0);
  });

  it('makes one case when the same submission is queued twice', async () => {
    const id = await confirmReport(uniqueUser(), '城中区南大街的井盖丢了，晚上很危险需要尽快处理');
    await h.services.queues.intake.add('intake', { submissionId: id }, { jobId: `${id}-again` });
    const workers = await startWorkers(h.services, h.services.queueConnection);
    try {
      await eventually(async () => ((await casesOf(id))[0]?.departmentId ? true : undefined));
      await eventually(async () => ((await h.services.queues.intake.getJobCounts('completed')).completed >= 2 ? true : undefined));
      expect(await casesOf(id)).toHaveLength(1);
      const [found] = await casesOf(id);
      const events = await h.services.db.caseEvent.findMany({ where: { caseId: found!.id }, orderBy: { at: 'asc' } });
      expect(events.map((e) => e.type).sort()).toEqual(['accepted', 'assigned', 'created']);
    } finally {
      await workers.close();
    }
  });

  it('recovers the job of a worker process killed in the middle of intake', async () => {
    const id = await confirmReport(uniqueUser(), '湟源县城关镇的供暖管道漏水，整栋楼都不热了');
    // Hold the case-number counter so that the worker blocks inside its transaction…
    const blocker = new pg.Client(pgConfig(h.services.config.DATABASE_URL));
    await blocker.connect();
    await blocker.query('BEGIN');
    await blocker.query('LOCK TABLE "CaseNumberCounter" IN EXCLUSIVE MODE');
    const child = spawn(process.execPath, ['--import', 'tsx', fileURLToPath(new URL('./support/run-workers.ts', import.meta.url))], {
      env: { ...process.env, DATABASE_URL: h.services.config.DATABASE_URL, REDIS_PREFIX: h.services.config.REDIS_PREFIX, WORKER_LOCK_MS: '1500', LOG_LEVEL: 'silent' },
      stdio: 'ignore',
    });
    try {
      await eventually(async () => ((await h.services.queues.intake.getJobCounts('active')).active > 0 ? true : undefined), 30_000);
      // …and kill it there: its transaction rolls back and its job stalls.
      child.kill('SIGKILL');
      await new Promise((r) => child.once('exit', r));
    } finally {
      await blocker.query('ROLLBACK');
      await blocker.end();
    }
    expect(await casesOf(id)).toHaveLength(0);
    const workers = await startWorkers(h.services, h.services.queueConnection);
    try {
      const created = await eventually(async () => (await casesOf(id))[0], 20_000);
      expect(created.number).toMatch(/^QH\d{10}$/);
      await eventually(async () => ((await casesOf(id))[0]?.departmentId ? true : undefined));
      expect(await casesOf(id)).toHaveLength(1);
    } finally {
      await workers.close();
    }
  }, 60_000);

  it('queues again, after a Redis loss, a submission that has no case', async () => {
    const id = await confirmReport(uniqueUser(), '大通县桥头镇的自来水发黄，烧开后还有沉淀');
    // What a Redis restart without persistence does to the queue:
    await (await h.services.queues.intake.getJob(id))?.remove();
    expect(await h.services.queues.intake.getJob(id)).toBeUndefined();
    const requeued = await processReconcile(h.services);
    expect(requeued.submissions).toBeGreaterThanOrEqual(1);
    expect((await h.services.queues.intake.getJob(id))?.data).toEqual({ submissionId: id });
  });

  it('delivers, exactly once, a case-number message whose job Redis lost', async () => {
    const user = uniqueUser();
    const id = await confirmReport(user, '城西区胜利路的暖气片不热，家里只有十度');
    const deps = h.services;
    await h.services.queues.intake.obliterate({ force: true });
    await processIntake(deps, { submissionId: id });
    const [created] = await casesOf(id);
    await processRoute(deps, { caseId: created!.id });
    // Redis loses the queued notification.
    await h.services.queues.notify.obliterate({ force: true });
    await h.services.queues.route.obliterate({ force: true });
    expect((await processReconcile(deps)).notifications).toBeGreaterThanOrEqual(1);
    const workers = await startWorkers(deps, h.services.queueConnection);
    try {
      const delivered = await eventually(async () => {
        const { messages } = await h.poll(user);
        return messages.some((m) => m.text.includes(created!.number)) ? messages : undefined;
      });
      // Another pass, once everything queued has run, shows nothing twice.
      await processReconcile(deps);
      const idle = async () => {
        const counts = await Promise.all([h.services.queues.notify, h.services.outbound.webchat].map((q) => q.getJobCounts('waiting', 'active', 'delayed')));
        return counts.every((c) => c.waiting + c.active + c.delayed === 0) ? true : undefined;
      };
      await eventually(idle);
      const { messages } = await h.poll(user);
      expect(messages.filter((m) => m.text.includes(created!.number))).toHaveLength(1);
      expect(messages).toHaveLength(delivered.length);
    } finally {
      await workers.close();
    }
  });
});
