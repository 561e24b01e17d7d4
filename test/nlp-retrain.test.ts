// Staff corrections become training data (issue 16): retraining as a job of the nlp-train queue,
// the running bot following the active model without a restart, a worse model refused, the CLIs.
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hashPassword } from '../bot/console/passwords.js';
import { buildServer } from '../bot/http/server.js';
import { createBotRuntime } from '../bot/runtime.js';
import type { Reply } from '../core/messages.js';
import { loadLabelledCsv } from '../nlp-models/data/labelled-csv.js';
import { CORPUS_PATH } from '../nlp-models/topics/corpus.js';
import { makeCase } from './support/cases.js';
import { eventually, startHarness, uniqueUser, type Harness } from './support/harness.js';

const PASSWORD = 'a long enough secret';
const DAY = 24 * 3600_000;
const root = fileURLToPath(new URL('..', import.meta.url));

let h: Harness;
let admin: { cookie: string; csrf: string; id: string };

beforeAll(async () => {
  h = await startHarness({ workers: true });
  const staff = await h.services.db.staff.create({ data: { username: 'root', role: 'admin', passwordHash: await hashPassword(PASSWORD) } });
  const res = await h.app.inject({ method: 'POST', url: '/console/api/login', payload: { username: 'root', password: PASSWORD } });
  admin = { cookie: String(res.headers['set-cookie']).split(';')[0]!, csrf: res.json().csrfToken, id: staff.id };
}, 60_000);
afterAll(() => h.close());

/** Cases whose topic staff corrected, `daysAgo` days back (a minute apart, in order). */
async function corrected(texts: string[], toTopic: string, daysAgo: number): Promise<void> {
  const start = h.services.now().getTime() - daysAgo * DAY;
  for (const [i, text] of texts.entries()) {
    const c = await makeCase(h.services, { description: text, topic: toTopic });
    await h.services.db.topicCorrection.create({ data: { caseId: c.id, text, fromTopic: '环境保护', toTopic, staffId: admin.id, at: new Date(start + i * 60_000) } });
  }
}

const consoleApi = (method: 'GET' | 'POST', url: string, payload?: object) =>
  h.app.inject({ method, url, payload, headers: { cookie: admin.cookie, 'x-csrf-token': admin.csrf } });

type ModelView = { active: { id: string; figures: { macroF1: number; perLabel: Record<string, { f1: number }> }; trainedOn: Record<string, number> } | null; history: { id: string; active: boolean; refusedReason: string | null; figures: { macroF1: number; current: { macroF1: number } } }[]; training: boolean };

/** Asks for a retraining as the console does and waits for the job's outcome. */
async function retrain(last: number): Promise<ModelView> {
  const before = ((await consoleApi('GET', '/console/api/admin/model')).json() as ModelView).history.length;
  const res = await consoleApi('POST', '/console/api/admin/model/retrain', { last });
  expect(res.statusCode).toBe(202);
  return eventually(async () => {
    const view = (await consoleApi('GET', '/console/api/admin/model')).json() as ModelView;
    return view.history.length > before && !view.training ? view : undefined;
  }, 30_000);
}

/** The topic the bot proposes first for a problem described in the web chat. */
async function proposedTopic(text: string): Promise<string> {
  return firstTopic(await h.say(uniqueUser(), text));
}

function firstTopic(replies: Reply[]): string {
  const first = replies.flatMap((r) => r.buttons ?? []).find((b) => b.payload.startsWith('topic:'));
  if (!first) throw new Error(`no topic buttons in ${JSON.stringify(replies)}`);
  return first.payload.slice('topic:'.length);
}

const DANCE = '城东区小区里每天晚上有人跳广场舞，音响声音特别大，吵得老人孩子睡不着';

describe('retraining the topic model on staff corrections', () => {
  it('is for admins only', async () => {
    const hash = await hashPassword(PASSWORD);
    await h.services.db.staff.create({ data: { username: 'office', role: 'supervisor', passwordHash: hash } });
    const res = await h.app.inject({ method: 'POST', url: '/console/api/login', payload: { username: 'office', password: PASSWORD } });
    const headers = { cookie: String(res.headers['set-cookie']).split(';')[0]!, 'x-csrf-token': res.json().csrfToken };
    expect((await h.app.inject({ method: 'POST', url: '/console/api/admin/model/retrain', payload: {}, headers })).statusCode).toBe(403);
    expect((await h.app.inject({ method: 'GET', url: '/console/api/admin/model', headers })).statusCode).toBe(403);
    expect((await consoleApi('POST', '/console/api/admin/model/retrain', { last: 'all' })).statusCode).toBe(400);
  });

  it('activates a model trained on the corrections, and the running bot proposes the corrected topic without a restart', async () => {
    expect(await proposedTopic(DANCE)).toBe('环境保护');
    // Staff decided square-dance complaints belong to culture and sports.
    await corrected(
      ['小区广场舞音响声音太大扰民', '每天晚上广场舞噪音很大影响休息', '楼下广场舞到十点还不停，吵得睡不着', '公园广场舞音响扰民希望管一管', '广场舞大喇叭声音震耳，老人心脏受不了', '广场舞队伍占用小区停车场还很吵'],
      '教育文体',
      10,
    );
    // The three corrected last are the evaluation set: both models get them right.
    await corrected(['小区门口的路面塌陷了一个大坑，一个星期了没人来修'], '城乡建设', 2);
    await corrected(['在工地干了半年活，老板拖欠工资不给'], '劳动和社会保障', 1.5);
    await corrected(['医院挂号排队三个小时，看病只看了五分钟'], '卫生计生', 1);
    await makeCase(h.services, { status: 'closed', topic: '城乡建设/市政设施' });

    const view = await retrain(3);
    expect(view.history[0]).toMatchObject({ active: true, refusedReason: null });
    expect(view.active?.id).toBe(view.history[0]!.id);
    expect(view.active?.trainedOn).toMatchObject({ cases: 1, corrections: 6, evaluation: 3 });
    expect(view.active?.figures.macroF1).toBe(1);
    expect(Object.keys(view.active?.figures.perLabel ?? {}).sort()).toEqual(['劳动和社会保障', '卫生计生', '城乡建设']);

    await eventually(async () => ((await proposedTopic(DANCE)) === '教育文体' ? true : undefined));

    // A bot started now loads the active model at start.
    const later = await createBotRuntime(h.services);
    const app = await buildServer(h.services, later);
    try {
      const { token } = (await app.inject({ method: 'POST', url: '/api/webchat/sessions' })).json() as { token: string };
      const res = await app.inject({ method: 'POST', url: '/api/webchat/messages', payload: { text: DANCE }, headers: { authorization: `Bearer ${token}` } });
      expect(firstTopic((res.json() as { replies: Reply[] }).replies)).toBe('教育文体');
    } finally {
      await app.close();
      await later.close();
    }
  });

  it('refuses a model that scores worse than the current one, which stays in use', async () => {
    const current = ((await consoleApi('GET', '/console/api/admin/model')).json() as ModelView).active!.id;
    // Street lights wrongly "corrected" to education, then the latest corrections say otherwise.
    await corrected(['路灯坏了好久没人修', '小区路灯不亮晚上很黑', '街边路灯全坏了出行不便', '路灯损坏多日无人维修', '我们这条路的路灯一直不亮', '路灯坏了老人晚上摔倒了'], '教育文体', 5);
    await corrected(['城东区八一路的路灯坏了一个月，晚上很黑', '城西区五四大街路灯全都不亮了', '小区里的路灯坏了半个月没人修'], '城乡建设', 0.5);

    const view = await retrain(3);
    const refused = view.history[0]!;
    expect(refused).toMatchObject({ active: false, refusedReason: 'worse' });
    expect(refused.figures.macroF1).toBeLessThan(refused.figures.current.macroF1);
    expect(view.active?.id).toBe(current);
    expect(await h.services.db.topicModel.findUniqueOrThrow({ where: { id: refused.id }, select: { modelJson: true } })).toEqual({ modelJson: null });
    expect(await proposedTopic('城东区八一路的路灯坏了一个月，晚上很黑')).toBe('城乡建设');
  });

  it('prints per-topic F1 on the last corrected cases from the command line (nlp:eval and nlp:train with --from-db)', async () => {
    const cli = (...args: string[]) =>
      promisify(execFile)(process.execPath, ['--import', 'tsx', 'workers/topic-model-cli.ts', ...args], {
        cwd: root,
        env: { ...process.env, DATABASE_URL: h.services.config.DATABASE_URL, REDIS_PREFIX: h.services.config.REDIS_PREFIX },
      });
    const models = await h.services.db.topicModel.count();
    const [evaluated, trained] = await Promise.all([cli('eval', '--from-db', '--last', '3'), cli('train', '--from-db', '--last', '3')]);
    expect(evaluated.stdout).toContain('current model, the last 3 corrected cases');
    expect(evaluated.stdout).toMatch(/100\.0% +100\.0% +100\.0% +城乡建设/);
    expect(evaluated.stdout).toContain('macro-F1  100.0%');
    // The wrongly corrected street lights are in training: the candidate gets some of the last three wrong.
    const corpus = loadLabelledCsv(CORPUS_PATH).examples.length;
    expect(trained.stdout).toContain(`trained on ${corpus} corpus examples, 1 closed cases and 15 corrected cases; evaluated on the last 3 corrected cases`);
    expect(trained.stdout).toMatch(/100\.0% +(33\.3|66\.7)% +\d+\.\d% +城乡建设/);
    expect(trained.stdout).toContain('current model macro-F1 100.0%');
    expect(trained.stdout).toContain('worse than the current model; not activated');
    // Without --activate nothing is recorded.
    expect(await h.services.db.topicModel.count()).toBe(models);
  });
});
