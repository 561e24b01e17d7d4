// A department hears of a case event even when the alert's job was lost before any worker ran it
// (Redis restarted empty, or the process died between the commit and queueing): the reconciler
// queues it again, and the department's robot gets it once. Fake WeCom robots over real HTTP.
import type { Queue } from 'bullmq';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { recordEvent } from '../core/cases/status-machine.js';
import { processDeadlines } from '../workers/deadlines.js';
import { startWorkers, type Workers } from '../workers/index.js';
import { processIntake } from '../workers/intake.js';
import { makeCase } from './support/cases.js';
import { startFakeRobots, type FakeRobots } from './support/fake-robots.js';
import { eventually, reconcileAt, startHarness, uniqueUser, type Harness } from './support/harness.js';

let h: Harness;
let robots: FakeRobots;

beforeAll(async () => {
  let now = () => new Date(0);
  robots = await startFakeRobots({ dingtalkSecrets: {}, now: () => now() });
  // No workers yet: the jobs queued before "Redis restarts" must not run.
  h = await startHarness({ env: { ALERT_ALLOW_LOCAL_HTTP: 'true' } });
  now = h.services.now;
  const { db } = h.services;
  for (const [code, key] of [['DCS', 'wkey-office'], ['G630102', 'wkey-chengdong']] as const) {
    const department = await db.department.findUniqueOrThrow({ where: { code } });
    await db.alertContact.create({ data: { departmentId: department.id, kind: 'wecom', url: robots.wecomUrl(key) } });
  }
}, 30_000);

afterAll(async () => {
  await h?.close();
  await robots?.close();
});

const told = (key: string, text: string) => robots.accepted.filter((m) => m.key === key && m.body.markdown!.content!.includes(text));

/** What a Redis restarted without persistence leaves of the queues: nothing. */
async function redisRestartsEmpty(): Promise<void> {
  for (const queue of Object.values(h.services.queues)) await (queue as Queue).obliterate({ force: true });
}

/** Workers for what the test queues from then on, closed when it ends. */
async function withWorkers(run: () => Promise<void>): Promise<void> {
  const workers: Workers = await startWorkers(h.services, h.services.queueConnection);
  try {
    await run();
  } finally {
    await workers.close();
  }
}

describe('a department alert whose job was lost', () => {
  it('is queued again by the reconciler and reaches each robot once; an event with no one to tell is queued again only once', async () => {
    const { services } = h;
    // Staff-only events, so no message to the resident hints that anything happened.
    const late = await makeCase(services, { status: 'assigned', departmentCode: 'G630102', set: { deadline: new Date(services.now().getTime() - 3_600_000) } });
    expect((await processDeadlines(services)).overdue).toBe(1);
    // Redis restarts empty: the overdue event's notify job (which queues its alert) is gone.
    await redisRestartsEmpty();

    // A refusal committed by a process that died before it queued anything.
    const refused = await makeCase(services, { status: 'in_progress', departmentCode: 'G630102' });
    await services.db.$transaction((tx) => recordEvent(tx, refused, { type: 'extension_refused', actor: 'staff:x', at: services.now(), note: '理由不充分' }));
    // The same for a department that has no contact: there is no one to tell.
    const untold = await makeCase(services, { status: 'in_progress', departmentCode: 'G630104', regionCode: '630104' });
    await services.db.$transaction((tx) => recordEvent(tx, untold, { type: 'review_returned', actor: 'staff:x', at: services.now() }));

    await withWorkers(async () => {
      expect((await reconcileAt(h, 5)).unrecordedAlerts).toBe(3);
      const overdue = `案件 ${late.number} 已超过办理时限`;
      await eventually(async () => (told('wkey-chengdong', overdue).length && told('wkey-office', overdue).length ? true : undefined));
      await eventually(async () => (told('wkey-chengdong', `案件 ${refused.number} 的延期申请未获批准`).length ? true : undefined));
      // Once each job has run, nothing is queued again: not the alerts sent, not the one with no one to tell.
      await eventually(async () => ((await services.db.caseEvent.count({ where: { alertDue: true } })) === 0 ? true : undefined));
      expect((await reconcileAt(h, 10)).unrecordedAlerts).toBe(0);
      expect((await reconcileAt(h, 70)).unrecordedAlerts).toBe(0);
      await new Promise((r) => setTimeout(r, 500));
      expect(told('wkey-chengdong', overdue)).toHaveLength(1);
      expect(told('wkey-office', overdue)).toHaveLength(1);
      expect(told('wkey-chengdong', refused.number)).toHaveLength(1);
      expect(told('wkey-office', refused.number)).toHaveLength(0);
      expect(robots.accepted.filter((m) => m.body.markdown!.content!.includes(untold.number))).toHaveLength(0);
    });
  });

  it('is queued again for a case the intake assigned, when the alert job it queued was lost', async () => {
    const user = uniqueUser();
    await h.say(user, '城东区东关大街的下水道堵了三天，污水漫到人行道上');
    await h.press(user, 'topic:城乡建设');
    await h.press(user, 'skip');
    await h.press(user, 'confirm');
    const submission = await h.services.db.submission.findFirstOrThrow({ where: { resident: { externalId: user } } });
    const number = await processIntake(h.services, { submissionId: submission.id });
    const c = await h.services.db.case.findUniqueOrThrow({ where: { number }, include: { department: true } });
    expect(c.department?.code).toBe('G630102');
    // Redis restarts empty before any worker took the alert's job.
    await redisRestartsEmpty();

    await withWorkers(async () => {
      expect((await reconcileAt(h, 5)).unrecordedAlerts).toBe(1);
      await eventually(async () => (told('wkey-chengdong', `新交办案件 ${number}`).length ? true : undefined));
      await eventually(async () => ((await reconcileAt(h, 10)).unrecordedAlerts === 0 ? true : undefined));
      await new Promise((r) => setTimeout(r, 500));
      expect(told('wkey-chengdong', number)).toHaveLength(1);
    });
  });
});
