// Departments hear of their cases: contacts set by admins, alerts through the `alerts` queue to
// fake WeCom and DingTalk robots and an SMTP sink, over real connections.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hashPassword } from '../bot/console/passwords.js';
import { caseActions } from '../core/cases/actions.js';
import { queueNotifications } from '../core/cases/follow-up.js';
import { recordEvent } from '../core/cases/status-machine.js';
import { processAlerts } from '../workers/alerts.js';
import { processDeadlines } from '../workers/deadlines.js';
import { processReconcile } from '../workers/reconcile.js';
import { makeCase } from './support/cases.js';
import { startFakeRobots, startSmtpSink, type FakeRobots, type SmtpSink } from './support/fake-robots.js';
import { eventually, startHarness, type Harness } from './support/harness.js';

const PASSWORD = 'a long enough secret';
const DING_SECRET = 'SEC0123456789abcdef0123456789abcdef';
let h: Harness;
let robots: FakeRobots;
let smtp: SmtpSink;
type Session = { cookie: string; csrf: string };
let admin: Session;
let office: Session;

beforeAll(async () => {
  smtp = await startSmtpSink();
  // The robots' clock is the harness's, as the real ones' is the real one.
  let now = () => new Date(0);
  robots = await startFakeRobots({ dingtalkSecrets: { dtoken: DING_SECRET }, now: () => now() });
  h = await startHarness({ workers: true, env: { ALERT_ALLOW_LOCAL_HTTP: 'true', SMTP_HOST: '127.0.0.1', SMTP_PORT: String(smtp.port), SMTP_FROM: 'tingmin@office.test' } });
  now = h.services.now;
  const { db } = h.services;
  const hash = await hashPassword(PASSWORD);
  const dcs = await db.department.findUniqueOrThrow({ where: { code: 'DCS' } });
  await db.staff.createMany({ data: [{ username: 'root', role: 'admin', passwordHash: hash }, { username: 'li', role: 'supervisor', departmentId: dcs.id, passwordHash: hash }] });
  const signIn = async (username: string) => {
    const res = await h.app.inject({ method: 'POST', url: '/console/api/login', payload: { username, password: PASSWORD } });
    return { cookie: String(res.headers['set-cookie']).split(';')[0]!, csrf: res.json().csrfToken as string };
  };
  admin = await signIn('root');
  office = await signIn('li');
}, 30_000);

afterAll(async () => {
  await h?.close();
  await robots?.close();
  await smtp?.close();
});

const get = (s: Session, url: string) => h.app.inject({ method: 'GET', url, headers: { cookie: s.cookie } });
const put = (s: Session, url: string, payload: object) => h.app.inject({ method: 'PUT', url, payload, headers: { cookie: s.cookie, 'x-csrf-token': s.csrf } });
const ofKey = (key: string) => robots.accepted.filter((m) => m.key === key);
const told = (number: string) => ofKey('wkey-chengxi').filter((m) => m.body.markdown!.content!.includes(number));

describe('alert contacts on the admin API', () => {
  it('are set by an admin, and their secrets come back masked and are kept when sent back unchanged', async () => {
    const res = await put(admin, '/console/api/admin/departments/G630102', {
      alerts: [
        { kind: 'wecom', url: robots.wecomUrl('wkey-chengdong-0001') },
        { kind: 'dingtalk', url: robots.dingtalkUrl('dtoken'), secret: DING_SECRET },
        { kind: 'email', to: ['duty@chengdong.test', 'head@chengdong.test'] },
      ],
    });
    expect(res.statusCode).toBe(200);
    const shown = (await get(admin, '/console/api/admin/departments/G630102')).json();
    expect(shown.alerts.map((a: { kind: string }) => a.kind)).toEqual(['wecom', 'dingtalk', 'email']);
    expect(JSON.stringify(shown)).not.toContain(DING_SECRET);
    expect(JSON.stringify(shown)).not.toContain('wkey-chengdong-0001');
    expect(shown.alerts[1].secret).toBe('SEC••••cdef');
    expect(shown.alerts[2].to).toEqual(['duty@chengdong.test', 'head@chengdong.test']);

    // The page sends back what it was shown: nothing is lost.
    expect((await put(admin, '/console/api/admin/departments/G630102', { alerts: shown.alerts })).statusCode).toBe(200);
    const stored = await h.services.db.alertContact.findMany({ where: { department: { code: 'G630102' } }, orderBy: { createdAt: 'asc' } });
    expect(stored.map((c) => [c.url, c.secret])).toEqual([
      [robots.wecomUrl('wkey-chengdong-0001'), null],
      [robots.dingtalkUrl('dtoken'), DING_SECRET],
      [null, null],
    ]);
    expect(stored.map((c) => c.id)).toEqual(shown.alerts.map((a: { id: string }) => a.id));
  });

  it('refuses plain http to another machine, a DingTalk robot without its secret, and non-admins', async () => {
    const http = await put(admin, '/console/api/admin/departments/G630102', { alerts: [{ kind: 'wecom', url: 'http://robot.example.com/cgi-bin/webhook/send?key=x' }] });
    expect(http.statusCode).toBe(400);
    expect(http.body).toContain('https');
    const noSecret = await put(admin, '/console/api/admin/departments/G630102', { alerts: [{ kind: 'dingtalk', url: 'https://oapi.dingtalk.com/robot/send?access_token=t' }] });
    expect(noSecret.statusCode).toBe(400);
    expect((await put(office, '/console/api/admin/departments/G630102', { alerts: [] })).statusCode).toBe(403);
    expect((await get(office, '/console/api/admin/departments/G630102')).statusCode).toBe(403);
    expect((await get(admin, '/console/api/admin/departments/NOPE')).statusCode).toBe(404);
    expect(await h.services.db.alertContact.count({ where: { department: { code: 'G630102' } } })).toBe(3);
  });
});

describe('alerts', () => {
  it('tell the department of a new assignment on each contact once, the robot that failed being retried', async () => {
    const c = await makeCase(h.services, { status: 'accepted' });
    const actions = caseActions(h.services);
    const li = await h.services.db.staff.findUniqueOrThrow({ where: { username: 'li' } });
    const dept = await h.services.db.department.findUniqueOrThrow({ where: { code: 'G630102' } });
    robots.failNext('wkey-chengdong-0001', 1);
    await actions.assign(li, c.id, dept.id);

    const wecom = await eventually(async () => ofKey('wkey-chengdong-0001').find((m) => m.body.markdown?.content?.includes(c.number)));
    expect(wecom.body.msgtype).toBe('markdown');
    expect(wecom.body.markdown!.content).toContain(`新交办案件 ${c.number}`);
    expect(wecom.body.markdown!.content).toContain('类别：城乡建设；地区：城东区');
    const ding = await eventually(async () => ofKey('dtoken').find((m) => m.body.markdown?.title?.includes(c.number)));
    expect(ding.body.markdown!.text).toContain(`新交办案件 ${c.number}`);
    const mail = await eventually(async () => smtp.mails.find((m) => m.subject.includes(c.number)));
    expect(mail.to).toEqual(['duty@chengdong.test', 'head@chengdong.test']);
    expect(mail.from).toBe('tingmin@office.test');
    expect(mail.text).toContain('类别：城乡建设');
    expect(robots.refused).toContain('wecom:wkey-chengdong-0001:asked to fail');

    // The retry went to the robot that failed only; nothing arrives twice.
    await new Promise((r) => setTimeout(r, 1500));
    expect(ofKey('wkey-chengdong-0001').filter((m) => m.body.markdown?.content?.includes(c.number))).toHaveLength(1);
    expect(ofKey('dtoken').filter((m) => m.body.markdown?.title?.includes(c.number))).toHaveLength(1);
    expect(smtp.mails.filter((m) => m.subject.includes(c.number))).toHaveLength(1);
    expect(robots.refused.filter((r) => r.startsWith('dingtalk'))).toEqual([]);
  });

  it('tell of returns by review and decided requests, written as the review workflow writes them', async () => {
    const dept = await h.services.db.department.findUniqueOrThrow({ where: { code: 'G630102' } });
    const c = await makeCase(h.services, { status: 'in_progress', departmentCode: 'G630102' });
    const at = h.services.now();
    const events = await h.services.db.$transaction(async (tx) => [
      await recordEvent(tx, c, { type: 'review_returned', actor: 'staff:x', at, note: '答复没有回应居民的问题' }),
      await recordEvent(tx, c, { type: 'extension_refused', actor: 'staff:x', at, note: '理由不充分' }),
      await recordEvent(tx, c, { type: 'review_submitted', actor: 'staff:y', at }),
    ]);
    await queueNotifications(h.services.queues, events);
    const texts = await eventually(async () => {
      const found = ofKey('wkey-chengdong-0001').map((m) => m.body.markdown!.content!).filter((x) => x.includes(c.number));
      return found.length >= 2 ? found : undefined;
    });
    expect(texts.some((x) => x.includes(`案件 ${c.number} 的办理结果审核未通过，已退回重办`) && x.includes('说明：答复没有回应居民的问题'))).toBe(true);
    expect(texts.some((x) => x.includes(`案件 ${c.number} 的延期申请未获批准`) && x.includes('说明：理由不充分'))).toBe(true);
    // review_submitted alerts nobody.
    await new Promise((r) => setTimeout(r, 300));
    expect(ofKey('wkey-chengdong-0001').filter((m) => m.body.markdown!.content!.includes(c.number))).toHaveLength(2);

    // A hand-back approved after the case went back to triage still reaches the department that asked.
    const handed = await makeCase(h.services, { status: 'accepted', departmentCode: 'DCS' });
    const back = await h.services.db.$transaction(async (tx) => [
      await recordEvent(tx, handed, { type: 'assigned', actor: 'system:route', at: new Date(at.getTime() - 60_000), data: { departmentId: dept.id } }),
      await recordEvent(tx, handed, { type: 'handback_approved', actor: 'staff:x', at }),
    ]);
    await queueNotifications(h.services.queues, [back[1]!]);
    await eventually(async () => ofKey('wkey-chengdong-0001').find((m) => m.body.markdown!.content!.includes(`案件 ${handed.number} 的退单申请已批准`)));
  });

  it('tell of an overdue case, the supervision office too', async () => {
    await put(admin, '/console/api/admin/departments/DCS', { alerts: [{ kind: 'wecom', url: robots.wecomUrl('wkey-office') }] });
    const c = await makeCase(h.services, { status: 'assigned', departmentCode: 'G630102', set: { deadline: new Date(h.services.now().getTime() - 3_600_000) } });
    await processDeadlines(h.services);
    await eventually(async () => ofKey('wkey-office').find((m) => m.body.markdown!.content!.includes(`案件 ${c.number} 已超过办理时限`)));
    await eventually(async () => ofKey('wkey-chengdong-0001').find((m) => m.body.markdown!.content!.includes(`案件 ${c.number} 已超过办理时限`)));
  });

  it('hold the department’s deadline while the office reviews, and remind the office once of a review waiting over a working day', async () => {
    await put(admin, '/console/api/admin/departments/DCS', { alerts: [{ kind: 'wecom', url: robots.wecomUrl('wkey-office') }] });
    // Answered on Friday afternoon, a day after its deadline had passed unnoticed.
    const submittedAt = new Date('2026-12-04T16:00:00+08:00');
    const c = await makeCase(h.services, { status: 'in_review', departmentCode: 'G630102', set: { deadline: new Date('2026-12-03T15:59:59Z') } });
    await h.services.db.caseEvent.create({ data: { caseId: c.id, type: 'review_submitted', actor: 'staff:x', at: submittedAt, data: { number: c.number } } });
    const run = (iso: string) => processDeadlines({ ...h.services, now: () => new Date(iso) });
    const types = async () => (await h.services.db.caseEvent.findMany({ where: { caseId: c.id }, orderBy: { at: 'asc' } })).map((e) => e.type);
    const told = (key: string) => ofKey(key).filter((m) => m.body.markdown!.content!.includes(c.number));

    // The weekend is not a working day: Sunday is too early, and no reminder or overdue reaches the department.
    await run('2026-12-06T12:00:00+08:00');
    expect(await types()).toEqual(['review_submitted']);
    // Past the end of Monday, the next working day: the office is reminded, once.
    await run('2026-12-08T09:00:00+08:00');
    await run('2026-12-08T10:00:00+08:00');
    expect(await types()).toEqual(['review_submitted', 'review_reminder']);
    await eventually(async () => told('wkey-office').find((m) => m.body.markdown!.content!.includes(`案件 ${c.number} 的办理结果已等待审核超过一个工作日`)));
    await new Promise((r) => setTimeout(r, 300));
    expect(told('wkey-office')).toHaveLength(1);
    expect(told('wkey-chengdong-0001')).toHaveLength(0);
  });

  it('are sent again once by the reconciler when Redis lost their job while a robot was down', async () => {
    await put(admin, '/console/api/admin/departments/G630104', { alerts: [{ kind: 'wecom', url: robots.wecomUrl('wkey-chengxi') }] });
    const dept = await h.services.db.department.findUniqueOrThrow({ where: { code: 'G630104' } });
    const c = await makeCase(h.services, { status: 'assigned', departmentCode: 'G630104', regionCode: '630104' });
    robots.failNext('wkey-chengxi', 1000);
    const event = await h.services.db.$transaction((tx) => recordEvent(tx, c, { type: 'assigned', actor: 'system:route', at: h.services.now(), data: { departmentId: dept.id } }));
    await queueNotifications(h.services.queues, [event]);
    await eventually(async () => (await h.services.db.alertDelivery.findFirst({ where: { key: `event-${event.id}`, attempts: { gt: 0 } } })) ?? undefined);
    // Redis restarts empty: the alert's job, waiting for its next try, is gone.
    await h.services.queues.alerts.obliterate({ force: true });
    expect(await h.services.queues.alerts.getJob(`alert-${event.id}`)).toBeUndefined();
    robots.failNext('wkey-chengxi', 0);

    const later = (minutes: number) => ({ ...h.services, now: () => new Date(h.services.now().getTime() + minutes * 60_000) });
    expect((await processReconcile(later(5))).alerts).toBe(1);
    await eventually(async () => (told(c.number).length ? true : undefined));
    // Delivered: the next passes queue nothing, and the robot got it once.
    expect((await processReconcile(later(10))).alerts).toBe(0);
    await new Promise((r) => setTimeout(r, 500));
    expect(told(c.number)).toHaveLength(1);
    expect(await h.services.db.alertDelivery.findMany({ where: { key: `event-${event.id}` } })).toEqual([expect.objectContaining({ deliveredAt: expect.any(Date) })]);
  });

  it('are written in the language the office set (ALERT_LANGUAGE), topic and region by their English names', async () => {
    const dept = await h.services.db.department.findUniqueOrThrow({ where: { code: 'G630102' } });
    const c = await makeCase(h.services, { status: 'assigned', departmentCode: 'G630102', topic: '城乡建设/物业管理', set: { deadline: new Date('2030-06-10T15:59:59Z') } });
    const event = await h.services.db.$transaction((tx) => recordEvent(tx, c, { type: 'assigned', actor: 'system:route', at: h.services.now(), data: { departmentId: dept.id } }));
    const english = { ...h.services, config: { ...h.services.config, ALERT_LANGUAGE: 'en' as const } };
    await processAlerts(english, { eventId: event.id });
    const sent = ofKey('wkey-chengdong-0001').find((m) => m.body.markdown!.content!.includes(c.number))!.body.markdown!.content!;
    expect(sent).toContain(`[Tingmin] New case ${c.number} assigned; deadline 2030-06-10`);
    expect(sent).toContain('Topic: Urban & rural construction; region: Chengdong District');
    expect(sent).not.toMatch(/\p{Script=Han}/u);
  });

  it('send a department that asked for it one digest of the previous day', async () => {
    const shown = (await get(admin, '/console/api/admin/departments/G630102')).json();
    expect((await put(admin, '/console/api/admin/departments/G630102', { alerts: shown.alerts, digest: true })).json().digest).toBe(true);
    const before = smtp.mails.length;
    await processAlerts(h.services, {});
    await processAlerts(h.services, {});
    const digests = smtp.mails.slice(before).filter((m) => m.subject.includes('案件汇总'));
    expect(digests).toHaveLength(1);
    expect(digests[0]!.subject).toBe('【听民】西宁市城东区人民政府 2026-12-01 案件汇总');
    expect(digests[0]!.text).toMatch(/新交办 \d+ 件，临期提醒 \d+ 件，超期 \d+ 件，督办 \d+ 件；目前在办 \d+ 件，其中超期 \d+ 件。/);
  });
});
