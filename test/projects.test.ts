// 专项督查 (issue 14 item 6): the supervision office groups cases into a project; residents are
// told once; handlers see only their department's part; the figures and the report count projects.
import { execFile } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import ExcelJS from 'exceljs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hashPassword } from '../bot/console/passwords.js';
import type { Case } from '../core/platform/db.js';
import { projectCode } from '../core/projects/projects.js';
import { processNotify } from '../workers/notify.js';
import { processReconcile } from '../workers/reconcile.js';
import { makeCase } from './support/cases.js';
import { startFakeRobots, type FakeRobots } from './support/fake-robots.js';
import { eventually, startHarness, uniqueUser, type Harness } from './support/harness.js';

const PASSWORD = 'a long enough secret';
type Session = { cookie: string; csrf: string };

let h: Harness;
const s: Record<'office' | 'chengdong' | 'datong', Session> = {} as never;
let chengdongId: string;
// A1 and A2 are one resident's (Chengdong's and Chengxi's cases), B an English speaker's, C finished, R rejected.
let a1: Case, a2: Case, b: Case & { user: string }, c: Case, r: Case;
let userA: string;
let projectId: string;
let robots: FakeRobots;

const db = () => h.services.db;
const get = (who: Session, url: string) => h.app.inject({ method: 'GET', url, headers: { cookie: who.cookie } });
const post = (who: Session | null, url: string, payload: object = {}) =>
  h.app.inject({ method: 'POST', url, payload, headers: who ? { cookie: who.cookie, 'x-csrf-token': who.csrf } : {} });
const messagesOf = async (user: string, match: string) => (await h.poll(user)).messages.filter((m) => m.text.includes(match));

async function signIn(username: string): Promise<Session> {
  const res = await h.app.inject({ method: 'POST', url: '/console/api/login', payload: { username, password: PASSWORD } });
  expect(res.statusCode).toBe(200);
  return { cookie: String(res.headers['set-cookie']).split(';')[0]!, csrf: res.json().csrfToken };
}

beforeAll(async () => {
  h = await startHarness({ workers: true, env: { OFFICE_HOURS: 'always', CONSOLE_COOKIE_SECURE: 'false', ALERT_ALLOW_LOCAL_HTTP: 'true' } });
  robots = await startFakeRobots({ dingtalkSecrets: {}, now: h.services.now });
  const dept = async (code: string) => (await db().department.findUniqueOrThrow({ where: { code } })).id;
  chengdongId = await dept('G630102');
  // Chengdong's duty robot: it leads the projects below.
  await db().alertContact.create({ data: { departmentId: chengdongId, kind: 'wecom', url: robots.wecomUrl('wkey-chengdong') } });
  const hash = await hashPassword(PASSWORD);
  await db().staff.createMany({
    data: [
      { username: 'office', role: 'supervisor', departmentId: await dept('DCS'), passwordHash: hash },
      { username: 'chengdong', role: 'handler', departmentId: chengdongId, passwordHash: hash },
      { username: 'datong', role: 'handler', departmentId: await dept('G630121'), passwordHash: hash },
    ],
  });
  for (const name of ['office', 'chengdong', 'datong'] as const) s[name] = await signIn(name);
  userA = uniqueUser('pa');
  a1 = await makeCase(h.services, { user: userA, status: 'assigned', departmentCode: 'G630102' });
  a2 = await makeCase(h.services, { user: userA, status: 'in_progress', departmentCode: 'G630104', regionCode: '630104' });
  b = await makeCase(h.services, { status: 'assigned', departmentCode: 'G630104', regionCode: '630104' });
  await db().resident.update({ where: { id: b.residentId }, data: { language: 'en' } });
  c = await makeCase(h.services, { status: 'resolved', departmentCode: 'G630102' });
  r = await makeCase(h.services, { status: 'rejected' });
});
afterAll(async () => {
  await h?.close();
  await robots?.close();
});

const opening = () => ({ title: '电梯困人专项督查', reason: '多个县区反映小区电梯困人', departmentId: chengdongId, deadline: '2026-12-31', caseNumbers: [a1.number, a2.number, b.number, c.number] });

describe('opening a project', () => {
  it('is for the supervision office only', async () => {
    expect((await post(s.chengdong, '/console/api/projects', opening())).statusCode).toBe(403);
    expect((await post(null, '/console/api/projects', opening())).statusCode).toBe(401);
  });

  it('refuses unknown or rejected cases, a past deadline and a bad body, and opens nothing', async () => {
    const unknown = await post(s.office, '/console/api/projects', { ...opening(), caseNumbers: [a1.number, 'QH9999999999'] });
    expect(unknown.statusCode).toBe(400);
    expect(unknown.json()).toMatchObject({ key: 'staffError.projectNoSuchCases', params: { numbers: 'QH9999999999' } });
    expect((await post(s.office, '/console/api/projects', { ...opening(), caseNumbers: [r.number] })).json()).toMatchObject({ key: 'staffError.projectRejectedCases' });
    expect((await post(s.office, '/console/api/projects', { ...opening(), deadline: '2026-12-01' })).json()).toMatchObject({ key: 'staffError.projectDeadlinePast' });
    expect((await post(s.office, '/console/api/projects', { ...opening(), title: '' })).statusCode).toBe(400);
    expect((await post(s.office, '/console/api/projects', { ...opening(), caseNumbers: ['<script>'] })).statusCode).toBe(400);
    expect(await db().supervisionProject.count()).toBe(0);
  });

  it('groups the cases without changing their status, each on its timeline', async () => {
    const res = await post(s.office, '/console/api/projects', opening());
    expect(res.statusCode).toBe(201);
    expect(res.json().code).toMatch(/^ZX-\d{4}$/);
    projectId = res.json().id;
    for (const x of [a1, a2, b, c]) {
      const stored = await db().case.findUniqueOrThrow({ where: { id: x.id }, include: { events: true } });
      expect(stored.status).toBe(x.status);
      expect(stored.events.map((e) => e.type)).toEqual(['project_added']);
    }
    const detail = (await get(s.office, `/console/api/cases/${a1.id}`)).json();
    expect(detail.events.at(-1).text).toMatch(/^纳入西宁市城东区人民政府牵头的专项督查 ZX-\d{4}$/);
  });

  it('tells each resident once, in their language, even when the jobs run again', async () => {
    const seen = await eventually(async () => ((await messagesOf(userA, '专项督查')).length ? true : undefined));
    expect(seen).toBe(true);
    await eventually(async () => ((await messagesOf(b.user, 'wider review')).length ? true : undefined));
    // Every project event's job once more (a crashed worker), and the reconciler looking for lost ones.
    for (const e of await db().caseEvent.findMany({ where: { type: 'project_added' } })) await processNotify(h.services, { eventId: e.id });
    await processReconcile({ ...h.services, now: () => new Date(h.services.now().getTime() + 86_400_000) });
    await new Promise((done) => setTimeout(done, 500));
    const toA = await messagesOf(userA, '专项督查');
    expect(toA).toHaveLength(1);
    // One message names both of the resident's cases, and the department that leads the review.
    expect(toA[0]!.text).toContain([a1.number, a2.number].sort().join('、'));
    expect(toA[0]!.text).toContain('西宁市城东区人民政府牵头');
    expect(await messagesOf(b.user, 'wider review')).toHaveLength(1);
  });

  it('alerts the department that leads it once, not once per case', async () => {
    const alert = await eventually(async () => robots.accepted.find((m) => m.key === 'wkey-chengdong'));
    expect(alert.body.markdown?.content).toMatch(/专项督查 ZX-\d{4}「电梯困人专项督查」由贵单位牵头，涉及案件 4 件，请于 2026-12-31 前完成/);
    await new Promise((done) => setTimeout(done, 300));
    expect(robots.accepted.filter((m) => m.key === 'wkey-chengdong')).toHaveLength(1);
  });
});

describe('a project', () => {
  it('shows its progress in one line, counted over its cases', async () => {
    const { projects } = (await get(s.office, '/console/api/projects')).json();
    expect(projects).toHaveLength(1);
    expect(projects[0]).toMatchObject({ id: projectId, status: 'open', overdue: false, deadline: '2026-12-31', department: { code: 'G630102' } });
    expect(projects[0].progress).toEqual({ total: 4, finished: 1, overdueCases: 0, percent: 25, byStatus: { assigned: 2, in_progress: 1, resolved: 1 } });
  });

  it('shows a handler only their department’s cases, and others nothing', async () => {
    const mine = (await get(s.chengdong, `/console/api/projects/${projectId}`)).json();
    expect(mine.cases.map((x: Case) => x.number).sort()).toEqual([a1.number, c.number].sort());
    expect(mine.progress).toMatchObject({ total: 2, finished: 1, percent: 50 });
    expect((await get(s.datong, '/console/api/projects')).json().projects).toEqual([]);
    const theirs = await get(s.datong, `/console/api/projects/${projectId}`);
    expect(theirs.statusCode).toBe(404);
    expect(theirs.body).not.toContain(a1.number);
    expect((await post(s.chengdong, `/console/api/projects/${projectId}/close`, { note: 'x' })).statusCode).toBe(403);
  });

  it('is named on the page of each of its cases, for those who may see the case', async () => {
    const project = { id: projectId, code: expect.stringMatching(/^ZX-\d{4}$/), title: '电梯困人专项督查' };
    expect((await get(s.office, `/console/api/cases/${a2.id}`)).json().project).toEqual(project);
    expect((await get(s.chengdong, `/console/api/cases/${a1.id}`)).json().project).toEqual(project);
    expect((await get(s.datong, `/console/api/cases/${a1.id}`)).statusCode).toBe(404);
    expect((await get(s.office, `/console/api/cases/${r.id}`)).json().project).toBeNull();
  });

  it('keeps a case in one open project at a time', async () => {
    const res = await post(s.office, '/console/api/projects', { ...opening(), caseNumbers: [a1.number] });
    expect(res.statusCode).toBe(409);
    expect(res.json()).toMatchObject({ key: 'staffError.projectCaseTaken', params: { number: a1.number } });
  });

  it('takes cases in and out; a resident already told is not told again', async () => {
    const extra = await makeCase(h.services, { user: userA, status: 'assigned', departmentCode: 'G630102' });
    // All of A's cases out, then back in with another of theirs.
    expect((await post(s.office, `/console/api/projects/${projectId}/cases`, { remove: [a1.number, a2.number] })).statusCode).toBe(200);
    expect((await post(s.office, `/console/api/projects/${projectId}/cases`, { add: [a1.number] })).statusCode).toBe(200);
    const res = await post(s.office, `/console/api/projects/${projectId}/cases`, { add: [extra.number, a2.number], remove: [b.number] });
    expect(res.statusCode).toBe(200);
    expect(res.json().cases.map((x: Case) => x.number)).not.toContain(b.number);
    expect(res.json().progress.total).toBe(4);
    expect((await db().caseEvent.findMany({ where: { caseId: b.id }, orderBy: { at: 'asc' } })).map((e) => e.type)).toEqual(['project_added', 'project_removed']);
    await new Promise((done) => setTimeout(done, 500));
    expect(await messagesOf(userA, '专项督查')).toHaveLength(1);
  });

  it('closes only with a reason while cases are unfinished, then lets its cases join another', async () => {
    const early = await post(s.office, `/console/api/projects/${projectId}/close`, {});
    expect(early.statusCode).toBe(409);
    expect(early.json()).toMatchObject({ key: 'staffError.projectUnfinished', params: { count: 3 } });
    const closed = await post(s.office, `/console/api/projects/${projectId}/close`, { note: '已部署全市排查，剩余案件按原渠道办理' });
    expect(closed.statusCode).toBe(200);
    expect(closed.json()).toMatchObject({ status: 'closed', closeNote: '已部署全市排查，剩余案件按原渠道办理' });
    expect(await db().caseEvent.count({ where: { caseId: a1.id, type: 'project_closed' } })).toBe(1);
    // A closed project is no longer shown on its cases' pages.
    expect((await get(s.office, `/console/api/cases/${a1.id}`)).json().project).toBeNull();
    expect((await post(s.office, `/console/api/projects/${projectId}/cases`, { add: [b.number] })).json()).toMatchObject({ key: 'staffError.projectClosed' });
    const next = await post(s.office, '/console/api/projects', { ...opening(), title: '第二轮', caseNumbers: [a1.number, b.number] });
    expect(next.statusCode).toBe(201);
    // Past its last day with cases unfinished: overdue.
    await db().supervisionProject.update({ where: { id: next.json().id }, data: { deadline: new Date('2026-01-01T00:00:00Z') } });
    const { projects } = (await get(s.office, '/console/api/projects')).json();
    expect(projects.map((p: { status: string; overdue: boolean }) => [p.status, p.overdue])).toEqual([['open', true], ['closed', false]]);
  });
});

describe('the figures', () => {
  it('count the projects opened in the period: open, closed, overdue', async () => {
    const { figures } = (await get(s.office, '/console/api/figures?from=2026-12-01&to=2026-12-31')).json();
    expect(figures.projects).toEqual({ opened: 2, open: 1, closed: 1, overdue: 1 });
    expect(figures.totals).toBeDefined();
    const dashboard = (await get(s.chengdong, '/console/api/dashboard?from=2026-12-01&to=2026-12-31')).json();
    expect(dashboard.projects).toEqual({ opened: 2, open: 1, closed: 1, overdue: 1 });
    expect((await get(s.datong, '/console/api/figures?from=2026-12-01&to=2026-12-31')).json().figures.projects).toEqual({ opened: 0, open: 0, closed: 0, overdue: 0 });
  });

  it('come out of npm run report, in words, in --json and in the --xlsx spreadsheet', async () => {
    const xlsx = join(mkdtempSync(join(tmpdir(), 'tm-projects-')), 'report.xlsx');
    const { stdout } = await promisify(execFile)(process.execPath, ['--import', 'tsx', 'workers/report-cli.ts', '--from', '2026-12-01', '--to', '2026-12-31', '--json', '--xlsx', xlsx, '--as-of', h.services.now().toISOString()], {
      env: { ...process.env, DATABASE_URL: h.services.config.DATABASE_URL },
    });
    const [text, json] = [stdout.split('\n').filter((l) => !l.startsWith('{')).join('\n'), JSON.parse(stdout.split('\n').find((l) => l.startsWith('{'))!)];
    expect(text).toContain('专项督查：本期新开2项，进行中1项（其中超期1项），已结束1项。');
    expect(json.projects).toEqual({ opened: 2, open: 1, closed: 1, overdue: 1 });
    expect(json.totals.received).toBeGreaterThan(0);

    const book = new ExcelJS.Workbook();
    await book.xlsx.readFile(xlsx);
    const codes = (await db().supervisionProject.findMany({ orderBy: { number: 'asc' } })).map((p) => projectCode(p.number));
    // Each case with every project it was in; a case never in one, an empty cell.
    const cases = book.getWorksheet('案件')!;
    expect(cases.getRow(1).values).toContain('专项督查');
    const projectsOf = new Map(cases.getSheetValues().slice(2).map((row) => [(row as string[])[1], (row as string[])[12] ?? '']));
    expect(projectsOf.get(a1.number)).toBe(codes.join(' '));
    expect(projectsOf.get(b.number)).toBe(codes[1]);
    expect(projectsOf.get(r.number)).toBe('');
    // The projects of the period with their progress: the closed one, and the second round, late.
    const sheet = book.getWorksheet('专项督查')!;
    expect(sheet.getSheetValues().slice(1).map((row) => (row as unknown[]).slice(1))).toEqual([
      ['编号', '名称', '牵头单位', '完成时限', '案件', '已办结', '超期案件', '状态'],
      [codes[0], '电梯困人专项督查', '西宁市城东区人民政府', '2026-12-31', 4, 1, 0, '已结束'],
      [codes[1], '第二轮', '西宁市城东区人民政府', '2026-01-01', 2, 0, 0, '超期'],
    ]);
  }, 30_000);
});

describe('two supervisors at once', () => {
  it('gives a case to one of two projects opened at the same moment', async () => {
    const free = await makeCase(h.services, { status: 'assigned', departmentCode: 'G630104', regionCode: '630104' });
    const both = await Promise.all([1, 2].map((n) => post(s.office, '/console/api/projects', { ...opening(), title: `同时 ${n}`, caseNumbers: [free.number] })));
    expect(both.map((res) => res.statusCode).sort()).toEqual([201, 409]);
    expect(['staffError.projectCaseTaken', 'staffError.projectRace']).toContain(both.find((res) => res.statusCode === 409)!.json().key);
  });
});

describe('the list, years later', () => {
  it('shows every open project and the closed ones fifty at a time, newest first', async () => {
    const office = await db().staff.findUniqueOrThrow({ where: { username: 'office' } });
    const at = h.services.now();
    // Two years of an office's finished projects, written as they end up (closed).
    await db().supervisionProject.createMany({
      data: Array.from({ length: 55 }, (_, i) => ({
        title: `往年专项 ${i + 1}`, reason: '已结束', departmentId: chengdongId, deadline: new Date('2025-06-30'), createdById: office.id,
        status: 'closed' as const, createdAt: at, closedAt: at,
      })),
    });
    const open = await db().supervisionProject.count({ where: { status: 'open' } });
    const closed = await db().supervisionProject.findMany({ where: { status: 'closed' }, orderBy: { number: 'desc' }, select: { number: true } });
    type Page = { projects: { number: number; status: string }[]; more: number | null };
    const first = (await get(s.office, '/console/api/projects')).json() as Page;
    expect(first.projects.filter((p) => p.status === 'open')).toHaveLength(open);
    expect(first.projects.filter((p) => p.status === 'closed').map((p) => p.number)).toEqual(closed.slice(0, 50).map((p) => p.number));
    expect(first.more).toBe(closed[49]!.number);
    const second = (await get(s.office, `/console/api/projects?closedBefore=${first.more}`)).json() as Page;
    expect(second.projects.map((p) => p.number)).toEqual(closed.slice(50).map((p) => p.number));
    expect(second.more).toBeNull();
    // A handler of a department with no part in them sees none of them.
    expect(((await get(s.datong, '/console/api/projects')).json() as Page).projects.filter((p) => p.status === 'closed')).toEqual([]);
    for (const bad of ['abc', '0', '-1', '__proto__', '1e99']) expect((await get(s.office, `/console/api/projects?closedBefore=${bad}`)).statusCode).toBe(400);
  });
});
