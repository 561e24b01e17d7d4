// The three rates (响应率, 解决率, 满意率) per department, the ranking (API and CLI) and the Excel export.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import ExcelJS from 'exceljs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hashPassword } from '../bot/console/passwords.js';
import { computeRates } from '../core/cases/rates.js';
import type { CaseStatus, Prisma, Satisfaction } from '../core/platform/db.js';
import { makeCase } from './support/cases.js';
import { startHarness, type Harness } from './support/harness.js';

const PASSWORD = 'a long enough secret';
const FROM = '2026-11-01';
const TO = '2026-12-02';
let h: Harness;
const at = (iso: string) => new Date(`${iso}+08:00`);

/** A case held by a department since `assigned`, with its staff's replies at `acted` and the office's events. */
async function caseOf(code: string, opts: { assigned: string; acted?: string[]; status: CaseStatus; deadline: string; resolved?: string; satisfaction?: Satisfaction; events?: string[] }) {
  const { db } = h.services;
  const department = await db.department.findUniqueOrThrow({ where: { code }, include: { staff: true } });
  const c = await makeCase(h.services, {
    status: opts.status,
    departmentCode: code,
    set: { createdAt: at(opts.assigned), deadline: at(opts.deadline), resolvedAt: opts.resolved ? at(opts.resolved) : null, satisfaction: opts.satisfaction ?? null },
  });
  const events: Prisma.CaseEventCreateManyInput[] = [
    { caseId: c.id, type: 'assigned', actor: 'system:route', at: at(opts.assigned), data: { departmentId: department.id } },
    ...(opts.acted ?? []).map((when) => ({ caseId: c.id, type: 'reply', actor: `staff:${department.staff[0]!.id}`, at: at(when) })),
    ...(opts.events ?? []).map((type) => ({ caseId: c.id, type, actor: 'staff:office', at: at(opts.assigned) })),
  ];
  await db.caseEvent.createMany({ data: events });
  return c;
}

beforeAll(async () => {
  h = await startHarness({ env: { CONSOLE_COOKIE_SECURE: 'false' } });
  const hash = await hashPassword(PASSWORD);
  const { db } = h.services;
  const id = async (code: string) => (await db.department.findUniqueOrThrow({ where: { code } })).id;
  await db.staff.createMany({
    data: [
      { username: 'li', role: 'supervisor', departmentId: await id('DCS'), passwordHash: hash },
      { username: 'cd', role: 'handler', departmentId: await id('G630102'), passwordHash: hash },
      { username: 'cz', role: 'handler', departmentId: await id('G630103'), passwordHash: hash },
    ],
  });
  // 城东区: one answered the same day, resolved in two days and rated satisfied; one answered late,
  // past its deadline, extended once and returned once; one assigned this morning (nothing due yet).
  await caseOf('G630102', { assigned: '2026-11-25T10:00:00', acted: ['2026-11-25T15:00:00'], status: 'closed', deadline: '2026-12-09T23:59:59', resolved: '2026-11-27T10:00:00', satisfaction: 'satisfied' });
  await caseOf('G630102', { assigned: '2026-11-25T10:00:00', acted: ['2026-11-27T09:00:00'], status: 'in_progress', deadline: '2026-11-30T23:59:59', events: ['extension_approved', 'review_returned'] });
  await caseOf('G630102', { assigned: '2026-12-02T09:00:00', status: 'assigned', deadline: '2026-12-16T23:59:59' });
  // 城中区: answered the same day, resolved, rated basically satisfied.
  await caseOf('G630103', { assigned: '2026-11-26T10:00:00', acted: ['2026-11-26T11:00:00'], status: 'closed', deadline: '2026-12-10T23:59:59', resolved: '2026-11-26T16:00:00', satisfaction: 'basic' });
}, 30_000);

afterAll(() => h?.close());

async function signIn(username: string) {
  const res = await h.app.inject({ method: 'POST', url: '/console/api/login', payload: { username, password: PASSWORD } });
  return String(res.headers['set-cookie']).split(';')[0]!;
}

describe('the three rates', () => {
  it('follow their definitions, department by department, and rank the departments', async () => {
    const rows = await computeRates(h.services.db, { from: FROM, to: TO, timeZone: 'Asia/Shanghai', now: h.services.now() });
    expect(rows.map((r) => [r.rank, r.code])).toEqual([[1, 'G630103'], [2, 'G630102']]);
    expect(rows[1]).toMatchObject({ cases: 3, responseRate: 0.5, resolutionRate: 0.5, satisfactionRate: 1, averageHandlingHours: 48, extensions: 1, returns: 1 });
    expect(rows[0]).toMatchObject({ cases: 1, responseRate: 1, resolutionRate: 1, satisfactionRate: 1, averageHandlingHours: 6, extensions: 0, returns: 0 });
  });

  it('are null when nothing is due', async () => {
    const rows = await computeRates(h.services.db, { from: TO, to: TO, timeZone: 'Asia/Shanghai', now: h.services.now() });
    expect(rows).toEqual([expect.objectContaining({ code: 'G630102', cases: 1, responseRate: null, resolutionRate: null, satisfactionRate: null, score: null })]);
  });

  it('are on the console for the supervision office, with their definitions, and not for handlers', async () => {
    const cookie = await signIn('li');
    const res = await h.app.inject({ method: 'GET', url: `/console/api/ranking?from=${FROM}&to=${TO}`, headers: { cookie } });
    expect(res.statusCode).toBe(200);
    const body = res.json();
    expect(body.departments.map((d: { code: string }) => d.code)).toEqual(['G630103', 'G630102']);
    expect(body.definitions.find((d: { key: string }) => d.key === 'responseRate').text).toContain('一个工作日内');
    const handler = await signIn('cd');
    expect((await h.app.inject({ method: 'GET', url: `/console/api/ranking?from=${FROM}&to=${TO}`, headers: { cookie: handler } })).statusCode).toBe(403);
  });

  it('export the ranking, the figures and the cases to a spreadsheet', async () => {
    const cookie = await signIn('li');
    const res = await h.app.inject({ method: 'GET', url: `/console/api/ranking.xlsx?from=${FROM}&to=${TO}`, headers: { cookie } });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-disposition']).toBe(`attachment; filename="tingmin-${FROM}-${TO}.xlsx"`);
    const book = new ExcelJS.Workbook();
    await book.xlsx.load(res.rawPayload as unknown as ArrayBuffer);
    expect(book.worksheets.map((w) => w.name)).toEqual(['三率排名', '统计', '案件', '专项督查']);
    const ranking = book.getWorksheet('三率排名')!;
    expect(ranking.getRow(1).values).toEqual([undefined, '排名', '部门', '代码', '案件数', '响应率', '解决率', '满意率', '平均办理时长（小时）', '延期', '退回重办']);
    expect(ranking.getRow(3).values).toEqual([undefined, 2, '西宁市城东区人民政府', 'G630102', 3, 0.5, 0.5, 1, 48, 1, 1]);
    expect(book.getWorksheet('案件')!.rowCount).toBe(5);
  });

  it('export in English with the English names of departments, topics and regions', async () => {
    const cookie = await signIn('li');
    const res = await h.app.inject({ method: 'GET', url: `/console/api/ranking.xlsx?from=${FROM}&to=${TO}&lang=en`, headers: { cookie } });
    expect(res.statusCode).toBe(200);
    const book = new ExcelJS.Workbook();
    await book.xlsx.load(res.rawPayload as unknown as ArrayBuffer);
    const cases = book.getWorksheet('Cases')!;
    expect(cases.getRow(1).values).toEqual([undefined, 'Number', 'Received', 'Status', 'Topic', 'Region', 'Department', 'Deadline', 'Resolved', 'Rating', 'Overdue', 'Supervised', 'Supervision project']);
    // Topic, region and department of the first case (城乡建设, 城东区, 城东区人民政府), each by its English name.
    expect((cases.getRow(2).values as ExcelJS.CellValue[]).slice(4, 7)).toEqual(['Urban & rural construction', 'Chengdong District', expect.stringMatching(/Chengdong/)]);
  });

  it('come out of npm run report -- --ranking --json', async () => {
    const { stdout } = await promisify(execFile)('npx', ['tsx', 'workers/report-cli.ts', '--ranking', '--from', FROM, '--to', TO, '--json', '--as-of', h.services.now().toISOString()], {
      env: { ...process.env, DATABASE_URL: h.services.config.DATABASE_URL, LOG_LEVEL: 'silent' },
    });
    const lines = stdout.trim().split('\n');
    expect(lines[0]).toBe(`各部门三率排名（${FROM} 至 ${TO}）：`);
    const json = JSON.parse(lines.at(-1)!);
    expect(json.departments.find((d: { code: string }) => d.code === 'G630102')).toMatchObject({ name: '西宁市城东区人民政府', responseRate: 0.5, satisfactionRate: 1 });
  }, 30_000);
});
