import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hashPassword } from '../bot/console/passwords.js';
import { pgConfig } from '../prisma/pg-config.js';
import { startWorkers } from '../workers/index.js';
import { processIntake } from '../workers/intake.js';
import { processReconcile } from '../workers/reconcile.js';
import { processRoute } from '../workers/route.js';
import { eventually, startHarness, uniqueUser, type Harness } from './support/harness.js';

// No workers in the harness: each test decides who processes the queue.
let h: Harness;
beforeAll(async () => {
  h = await startHarness({ env: { WORKER_LOCK_MS: '1500', RECONCILE_AFTER_MS: '1', CONSOLE_COOKIE_SECURE: 'false' } });
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
      await eventually(async () => (((await h.services.queues.intake.getJobCounts('completed')).completed ?? 0) >= 2 ? true : undefined));
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
      await eventually(async () => (((await h.services.queues.intake.getJobCounts('active')).active ?? 0) > 0 ? true : undefined), 30_000);
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
    // Held, so the message is not sent before Redis loses it.
    await h.services.outbound.webchat.pause();
    await processIntake(deps, { submissionId: id });
    const [created] = await casesOf(id);
    await processRoute(deps, { caseId: created!.id });
    // Redis loses the queued message (the intake recorded it with the case and queued it).
    await h.services.outbound.webchat.obliterate({ force: true });
    await h.services.queues.route.obliterate({ force: true });
    expect(await h.services.db.delivery.count({ where: { key: { startsWith: 'event-' }, conversation: { resident: { externalId: user } } } })).toBe(1);
    expect((await processReconcile(deps)).deliveries).toBeGreaterThanOrEqual(1);
    await h.services.outbound.webchat.resume();
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
        return counts.every((c) => (c.waiting ?? 0) + (c.active ?? 0) + (c.delayed ?? 0) === 0) ? true : undefined;
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

const texts = (replies: { text: string }[]) => replies.map((r) => r.text).join('\n');
const acknowledged = (replies: { text: string }[]) => texts(replies).includes('正在登记立案');
const submissionsOf = async (user: string) => {
  const resident = await h.services.db.resident.findFirstOrThrow({ where: { externalId: user } });
  return h.services.db.submission.findMany({ where: { residentId: resident.id } });
};

/** Runs SQL on the test's database as another client would (a trigger, a fault). */
async function sql(text: string): Promise<void> {
  const client = new pg.Client(pgConfig(h.services.config.DATABASE_URL));
  await client.connect();
  await client.query(text).finally(() => client.end());
}

/** Brings a report to its confirm step, with a phone number. */
async function reachConfirm(user: string, text: string): Promise<void> {
  await h.say(user, text);
  await h.press(user, 'topic:城乡建设');
  expect(texts(await h.say(user, '13912345678'))).toContain('请核对');
}

describe('one confirmed report is one case, whatever fails on the way', () => {
  it('files one case when a write after the submission fails once and the resident confirms again', async () => {
    const user = uniqueUser();
    // The resident's phone update fails once (a sequence is not rolled back with the failure).
    await sql(`
      CREATE SEQUENCE "fault_${user}";
      CREATE FUNCTION "fault_${user}"() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF NEW."externalId" = '${user}' AND NEW."phone" IS DISTINCT FROM OLD."phone" THEN
          IF nextval('"fault_${user}"') = 1 THEN RAISE EXCEPTION 'injected fault'; END IF;
        END IF;
        RETURN NEW;
      END $$;
      CREATE TRIGGER "fault_${user}" BEFORE UPDATE ON "Resident" FOR EACH ROW EXECUTE FUNCTION "fault_${user}"();`);
    try {
      await reachConfirm(user, '城北区小桥大街的路灯坏了一排，晚上走路很黑');
      expect(texts(await h.press(user, 'confirm'))).toContain('请稍后再发一次');
      const again = await h.press(user, 'confirm');
      expect(acknowledged(again)).toBe(true);
      const submissions = await submissionsOf(user);
      expect(submissions).toHaveLength(1);
      expect((await h.services.db.resident.findFirstOrThrow({ where: { externalId: user } })).phone).toBe('13912345678');
      for (const s of submissions) await processIntake(h.services, { submissionId: s.id });
      expect(await h.services.db.case.count({ where: { resident: { externalId: user } } })).toBe(1);
    } finally {
      await sql(`DROP TRIGGER "fault_${user}" ON "Resident"; DROP FUNCTION "fault_${user}"(); DROP SEQUENCE "fault_${user}";`);
    }
  });

  it('answers a second confirm of the same draft as the first, filing nothing new', async () => {
    const user = uniqueUser();
    await reachConfirm(user, '城中区南山路的下水道堵了，污水漫到人行道上');
    // The turn's session save is lost after the report was filed (Redis failed at that moment):
    // the resident still sees the summary and presses confirm again.
    const sessionKey = `${h.services.config.REDIS_PREFIX}:session:webchat:${user}`;
    const before = await h.services.redis.get(sessionKey);
    const first = await h.press(user, 'confirm');
    await h.services.redis.set(sessionKey, before!);
    const second = await h.press(user, 'confirm');
    expect(acknowledged(first)).toBe(true);
    expect(texts(second)).toBe(texts(first));
    expect(await submissionsOf(user)).toHaveLength(1);
  });

  it('files a report from the console while queueing fails, and the reconciler queues it', async () => {
    const office = await h.services.db.department.findUniqueOrThrow({ where: { code: 'DCS' } });
    await h.services.db.staff.create({ data: { username: 'zhao', role: 'supervisor', departmentId: office.id, passwordHash: await hashPassword('correct horse battery') } });
    const login = await h.app.inject({ method: 'POST', url: '/console/api/login', payload: { username: 'zhao', password: 'correct horse battery' } });
    const headers = { cookie: String(login.headers['set-cookie']).split(';')[0]!, 'x-csrf-token': login.json().csrfToken as string };
    const user = uniqueUser();
    await h.say(user, '转人工');
    const resident = await h.services.db.resident.findFirstOrThrow({ where: { externalId: user } });
    const { id } = await h.services.db.handoff.findFirstOrThrow({ where: { residentId: resident.id } });
    expect((await h.app.inject({ method: 'POST', url: `/console/api/handoffs/${id}/claim`, headers })).statusCode).toBe(200);
    // Redis refuses the intake queue's job counter: every add to that queue fails.
    const counter = `${h.services.config.REDIS_PREFIX}:bull:intake:id`;
    await h.services.redis.set(counter, 'not a number');
    let res;
    try {
      res = await h.app.inject({
        method: 'POST',
        url: `/console/api/handoffs/${id}/report`,
        headers,
        payload: { description: '城西区胜利路12号院的垃圾站三天没有清运，气味很大', topic: '城乡建设', regionCode: '630104', placeText: '城西区胜利路12号院' },
      });
    } finally {
      await h.services.redis.del(counter);
    }
    expect(res.statusCode).toBe(200);
    const { submissionId } = res.json().result as { submissionId: string };
    expect(await h.services.queues.intake.getJob(submissionId)).toBeUndefined();
    expect((await h.services.db.handoff.findUniqueOrThrow({ where: { id } })).submissionId).toBe(submissionId);
    expect((await processReconcile(h.services)).submissions).toBeGreaterThanOrEqual(1);
    expect((await h.services.queues.intake.getJob(submissionId))?.data).toEqual({ submissionId });
    await processIntake(h.services, { submissionId });
    expect(await casesOf(submissionId)).toHaveLength(1);
  });
});
