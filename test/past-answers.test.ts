import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hashPassword } from '../bot/console/passwords.js';
import { computeFigures } from '../core/cases/figures.js';
import { encodeFeatures, featuresOf } from '../core/cases/similarity.js';
import { loadTopicClassifier, parseCsv } from '../nlp-models/index.js';
import { importHistory, parseHistoryCsv } from '../workers/history-import.js';
import { processReconcile } from '../workers/reconcile.js';
import { makeCase } from './support/cases.js';
import { startHarness, type Harness } from './support/harness.js';
import { residentMessagesCsv } from './support/resident-messages.js';

let h: Harness;
const PASSWORD = 'correct horse battery';
type Session = { cookie: string; csrf: string };
const sessions = new Map<string, Session>();
type Past = { similarity: number; topic: string | null; department: { name: string } | null; answer: string; satisfaction: string | null; imported: boolean; case: { id: string; number: string; description: string } | null };

beforeAll(async () => {
  h = await startHarness({ env: { CONSOLE_COOKIE_SECURE: 'false' } });
  const passwordHash = await hashPassword(PASSWORD);
  const department = (code: string) => h.services.db.department.findUniqueOrThrow({ where: { code } });
  const [office, p01, p03] = await Promise.all([department('DCS'), department('P01'), department('P03')]);
  await h.services.db.staff.createMany({
    data: [
      { username: 'office', role: 'supervisor', departmentId: office.id, passwordHash },
      { username: 'builder', role: 'handler', departmentId: p01.id, passwordHash },
      { username: 'transport', role: 'handler', departmentId: p03.id, passwordHash },
    ],
  });
  await Promise.all(['office', 'builder', 'transport'].map(async (username) => {
    const res = await h.app.inject({ method: 'POST', url: '/console/api/login', payload: { username, password: PASSWORD } });
    expect(res.statusCode).toBe(200);
    sessions.set(username, { cookie: String(res.headers['set-cookie']).split(';')[0]!, csrf: res.json().csrfToken });
  }));
});
afterAll(() => h.close());

const similar = (who: string, caseId: string) => h.app.inject({ method: 'GET', url: `/console/api/cases/${caseId}/similar`, headers: { cookie: sessions.get(who)!.cookie } });

/** A case closed with an answer, its features stored as the intake stores them. */
async function closedCase(description: string, departmentCode: string, answer: string, opts: { topic?: string; phone?: string } = {}) {
  const c = await makeCase(h.services, {
    status: 'closed',
    departmentCode,
    description,
    topic: opts.topic ?? '城乡建设',
    set: { features: new Uint8Array(encodeFeatures(featuresOf(description))), closedAt: h.services.now(), resolvedAt: h.services.now(), satisfaction: 'satisfied' },
  });
  if (opts.phone) await h.services.db.submission.update({ where: { id: c.submissionId }, data: { phone: opts.phone } });
  await h.services.db.caseEvent.create({ data: { caseId: c.id, type: 'resolved', actor: 'staff:test', note: answer, at: h.services.now() } });
  return c;
}

// Real residents' messages (title, detail, label), read where they are, never copied.
const messages = (() => {
  const [header, ...rows] = parseCsv(readFileSync(residentMessagesCsv(), 'utf8'));
  const col = (name: string) => header!.indexOf(name);
  return rows.filter((r) => r.length === header!.length).map((r) => ({ title: r[col('title')]!, detail: r[col('detail')]!, label: r[col('label')]! }));
})();

describe('past answers (过往答复)', () => {
  let target: Awaited<ReturnType<typeof makeCase>>;
  let sameProblemElsewhere: Awaited<ReturnType<typeof closedCase>>;
  let sameProblemHere: Awaited<ReturnType<typeof closedCase>>;

  beforeAll(async () => {
    // One problem reported three times: answered once by another department (with the resident's
    // phone in what they wrote), once by this one; the new report is the open target.
    const problem = messages.find((m) => m.label === '城乡建设' && m.detail.length > 160)!;
    const third = Math.floor(problem.detail.length / 3);
    sameProblemElsewhere = await closedCase(`${problem.title}\n${problem.detail} 联系电话13912345678`, 'P03', '经核实已安排维修，如有问题请致电0971-8123456或13800001111。', { phone: '13912345678' });
    sameProblemHere = await closedCase(`${problem.title}\n${problem.detail.slice(0, 2 * third)}`, 'P01', '已转交属地街道处理。');
    // Other closed cases of every topic, as an office has them.
    await Promise.all(messages.filter((x) => x !== problem).slice(0, 40).map((m) => closedCase(`${m.title}\n${m.detail}`, 'P01', `答复：${m.title}`, { topic: m.label })));
    target = await makeCase(h.services, { status: 'assigned', departmentCode: 'P01', description: `${problem.title}\n${problem.detail.slice(third)}` });
  });

  it('ranks the answers to the same problem first, most alike first, at most three', async () => {
    const res = await similar('office', target.id);
    expect(res.statusCode).toBe(200);
    const list = res.json().similar as Past[];
    expect(list.length).toBeGreaterThanOrEqual(2);
    expect(list.length).toBeLessThanOrEqual(3);
    expect(list.slice(0, 2).map((p) => p.case?.number).sort()).toEqual([sameProblemElsewhere.number, sameProblemHere.number].sort());
    expect(list.map((p) => p.similarity)).toEqual([...list.map((p) => p.similarity)].sort((a, b) => b - a));
    const elsewhere = list.find((p) => p.case?.number === sameProblemElsewhere.number)!;
    // The answer as the resident got it, phones masked; its rating and department.
    expect(elsewhere.answer).toBe('经核实已安排维修，如有问题请致电0971-***3456或138****1111。');
    expect(elsewhere).toMatchObject({ satisfaction: 'satisfied', imported: false, topic: '城乡建设', department: { name: expect.any(String) } });
  });

  it('shows a handler only the answer, topic, date, department and rating of another department’s case', async () => {
    const res = await similar('builder', target.id);
    expect(res.statusCode).toBe(200);
    const list = res.json().similar as Past[];
    const here = list.find((p) => p.case?.number === sameProblemHere.number);
    expect(here?.case?.description).toBe(sameProblemHere.description);
    const elsewhere = list.find((p) => p.answer.startsWith('经核实已安排维修'))!;
    expect(elsewhere.case).toBeNull();
    expect(Object.keys(elsewhere).sort()).toEqual(['answer', 'case', 'closedAt', 'department', 'imported', 'satisfaction', 'similarity', 'topic']);
    // Nothing of the resident: not their words, phone, case number or account.
    expect(res.body).not.toContain('13912345678');
    expect(res.body).not.toContain('139****5678');
    expect(res.body).not.toContain(sameProblemElsewhere.number);
    expect(res.body).not.toContain(sameProblemElsewhere.user);
    expect(res.body).not.toContain(sameProblemElsewhere.description.slice(-46, -16));
  });

  it('is 404 for a case the handler may not see, and for no case', async () => {
    expect((await similar('transport', target.id)).statusCode).toBe(404);
    expect((await similar('office', '00000000-0000-4000-8000-000000000000')).statusCode).toBe(404);
    expect((await h.app.inject({ method: 'GET', url: `/console/api/cases/${target.id}/similar` })).statusCode).toBe(401);
  });
});

describe('npm run history:import', () => {
  const dir = mkdtempSync(join(tmpdir(), 'history-'));
  const file = join(dir, 'past.csv');
  afterAll(() => rmSync(dir, { recursive: true }));

  beforeAll(() => {
    // The office's past messages with replies: the shared file's first rows when it is beside the
    // checkout (read there, written only to a temporary file), else a sample written for this test.
    const shared = fileURLToPath(new URL('../../shared/data/complaints-with-replies.csv', import.meta.url));
    const quote = (v: string) => `"${v.replaceAll('"', '""')}"`;
    const rows = existsSync(shared)
      ? parseCsv(readFileSync(shared, 'utf8')).slice(1, 41)
      : Array.from({ length: 40 }, (_, i) => [`s${i}`, `第${i}号小区路灯不亮`, `小区${i}号楼门口的路灯坏了一个多月，晚上出行很不方便。`, '2019/4/25 9:32:09', `您好，第${i}号小区的路灯已修复。`, '2019/5/10 14:56:53']);
    writeFileSync(file, ['id,title,detail,time,reply,reply_time', ...rows.map((r) => r.map(quote).join(','))].join('\n'));
  });

  it('imports closed cases with their answer, once, telling nobody and counting none in the figures', async () => {
    const { db, config } = h.services;
    const run = await new Promise<{ code: number; stdout: string; stderr: string }>((resolve) =>
      execFile(process.execPath, ['--import', 'tsx', 'workers/history-cli.ts', file, '--limit', '25'], { env: { ...process.env, DATABASE_URL: config.DATABASE_URL } }, (err, stdout, stderr) =>
        resolve({ code: err ? Number((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
      ),
    );
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toContain('imported 25 past cases');

    // Again with the whole file: only the rows not imported yet; then nothing at all.
    const { rows } = parseHistoryCsv(readFileSync(file, 'utf8'), config.TIMEZONE);
    const deps = { db, sql: h.services.sql, classifier: await loadTopicClassifier(config.NLP_MODEL_PATH), caseNumberPrefix: config.CASE_NUMBER_PREFIX, timeZone: config.TIMEZONE };
    expect(await importHistory(deps, rows, { source: 'history' })).toEqual({ imported: 15, skipped: 25 });
    expect(await importHistory(deps, rows, { source: 'history' })).toEqual({ imported: 0, skipped: 40 });

    const imported = await db.case.findMany({ where: { source: 'history' }, include: { events: { orderBy: { at: 'asc' } } } });
    expect(imported).toHaveLength(40);
    expect(new Set(imported.map((c) => c.sourceId)).size).toBe(40);
    const first = imported.find((c) => c.sourceId === rows[0]!.id)!;
    expect(first).toMatchObject({ status: 'closed', description: `${rows[0]!.title}\n${rows[0]!.detail}`, createdAt: rows[0]!.time });
    expect(first.features).not.toBeNull();
    expect(first.topic).toBeTruthy();
    expect(first.departmentId).toBeTruthy();
    expect(first.events.map((e) => e.type)).toEqual(['created', 'accepted', 'assigned', 'resolved', 'closed']);
    expect(first.events.find((e) => e.type === 'resolved')!.note).toBe(rows[0]!.reply);

    // Answered elsewhere long ago: it cannot be reopened (a note may still be added).
    const detail = (await h.app.inject({ method: 'GET', url: `/console/api/cases/${first.id}`, headers: { cookie: sessions.get('office')!.cookie } })).json();
    expect(detail.actions).toContain('note');
    expect(detail.actions).not.toContain('reopen');
    // Nobody is told: nothing queued, nothing for the reconciler either.
    expect(await db.delivery.count()).toBe(0);
    expect(await processReconcile(h.services)).toMatchObject({ submissions: 0, cases: 0, notifications: 0 });
    // Not cases received in their period.
    expect((await computeFigures(db, { from: '2010-01-01', to: '2030-12-31', timeZone: config.TIMEZONE })).totals.received).toBe(await db.case.count({ where: { source: null } }));

    // Their answers are past answers: a new report of the first message's problem finds it.
    const again = await makeCase(h.services, { status: 'assigned', departmentCode: 'P01', description: rows[0]!.detail.slice(0, 200) });
    const list = (await similar('office', again.id)).json().similar as Past[];
    expect(list[0]).toMatchObject({ imported: true, answer: expect.stringContaining(rows[0]!.reply.slice(0, 20)) });
  }, 60_000);

  it('keeps imported cases out of the console’s case list unless asked for', async () => {
    const { db } = h.services;
    const list = async (query: string) => {
      const res = await h.app.inject({ method: 'GET', url: `/console/api/cases?pageSize=100${query}`, headers: { cookie: sessions.get('office')!.cookie } });
      expect(res.statusCode).toBe(200);
      return res.json() as { total: number; cases: { source: string | null }[] };
    };
    const [current, imported] = await Promise.all([db.case.count({ where: { source: null } }), db.case.count({ where: { source: { not: null } } })]);
    expect(imported).toBe(40);
    const working = await list('');
    expect(working.total).toBe(current);
    expect(working.cases.every((c) => c.source === null)).toBe(true);
    expect((await list('&imported=exclude')).total).toBe(current);
    const only = await list('&imported=only');
    expect(only.total).toBe(imported);
    expect(only.cases.every((c) => c.source === 'history')).toBe(true);
    expect((await list('&imported=include')).total).toBe(current + imported);
    expect((await h.app.inject({ method: 'GET', url: '/console/api/cases?imported=all', headers: { cookie: sessions.get('office')!.cookie } })).statusCode).toBe(400);
  });
});

describe('past answers for a short report', () => {
  // An office's past messages, imported as npm run history:import does: the project's own corpus
  // (about 950 messages), each with a reply, so the test does not depend on data outside the repository.
  beforeAll(async () => {
    const { db, config } = h.services;
    const [, ...corpus] = parseCsv(readFileSync(fileURLToPath(new URL('../nlp-models/corpus/topics.csv', import.meta.url)), 'utf8'));
    const quote = (v: string) => `"${v.replaceAll('"', '""')}"`;
    const csv = ['id,title,detail,time,reply,reply_time', ...corpus.map(([id = '', title = '', detail = '']) => [`corpus-${id}`, title, detail, '2025-03-01 09:00', '已转交有关部门办理，感谢您的反映。', '2025-03-08 17:00'].map(quote).join(','))].join('\n');
    const { rows } = parseHistoryCsv(csv, config.TIMEZONE);
    const deps = { db, sql: h.services.sql, classifier: await loadTopicClassifier(config.NLP_MODEL_PATH), caseNumberPrefix: config.CASE_NUMBER_PREFIX, timeZone: config.TIMEZONE };
    await importHistory(deps, rows, { source: 'office-archive' });
  }, 120_000);

  const shownFor = async (description: string, topic: string) => {
    const target = await makeCase(h.services, { status: 'assigned', departmentCode: 'P01', description, topic });
    const res = await similar('office', target.id);
    expect(res.statusCode).toBe(200);
    return res.json().similar as Past[];
  };

  it('finds a past case of the reported problem for a few words', async () => {
    const list = await shownFor('小区门口垃圾没人清理', '环境保护');
    expect(list.length).toBeGreaterThan(0);
    expect(list.some((p) => p.case?.description.includes('垃圾'))).toBe(true);
  });

  it('shows no past answer for a remark that shares only common words with past cases', async () => {
    expect(await shownFor('孩子考试考得不好', '教育文体')).toEqual([]);
  });

  it('shows no past case that shares a word of a short report only in passing', async () => {
    // None of the past messages is about a joke, whatever words they share with it.
    expect(await shownFor('帮我讲个笑话', '卫生计生')).toEqual([]);
  });
});
