import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hashPassword } from '../bot/console/passwords.js';
import { processReconcile } from '../workers/reconcile.js';
import { makeCase } from './support/cases.js';
import { eventually, startHarness, type Harness } from './support/harness.js';

// Review before closing (审核报结), extensions and hand-backs (延期, 退单) and corrections, through
// the console API, on the real PostgreSQL and Redis, with the workers telling the resident.
let h: Harness;
const PASSWORD = 'correct horse battery';
type Session = { cookie: string; csrf: string };
let office: Session;
let chengdong: Session;
let chengxi: Session;

// The smallest PNG there is: one transparent pixel.
const PNG = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==', 'base64');

beforeAll(async () => {
  h = await startHarness({ workers: true, env: { CONSOLE_COOKIE_SECURE: 'false', CONSOLE_LOGIN_ATTEMPTS_PER_IP: '60' } });
  const db = h.services.db;
  const hash = await hashPassword(PASSWORD);
  const dept = async (code: string) => (await db.department.findUniqueOrThrow({ where: { code } })).id;
  await db.staff.createMany({
    data: [
      { username: 'rv-office', displayName: '李督查', role: 'supervisor', departmentId: await dept('DCS'), passwordHash: hash },
      { username: 'rv-chengdong', displayName: '王办理', role: 'handler', departmentId: await dept('G630102'), passwordHash: hash },
      { username: 'rv-chengxi', role: 'handler', departmentId: await dept('G630104'), passwordHash: hash },
    ],
  });
  office = await signIn('rv-office');
  chengdong = await signIn('rv-chengdong');
  chengxi = await signIn('rv-chengxi');
});
afterAll(() => h.close());

async function signIn(username: string): Promise<Session> {
  const res = await h.app.inject({ method: 'POST', url: '/console/api/login', payload: { username, password: PASSWORD } });
  expect(res.statusCode).toBe(200);
  return { cookie: String(res.headers['set-cookie']).split(';')[0]!, csrf: res.json().csrfToken };
}

const db = () => h.services.db;
const get = (s: Session, url: string) => h.app.inject({ method: 'GET', url, headers: { cookie: s.cookie } });
const act = (s: Session, id: string, action: string, payload: object = {}) =>
  h.app.inject({ method: 'POST', url: `/console/api/cases/${id}/${action}`, payload, headers: { cookie: s.cookie, 'x-csrf-token': s.csrf } });
const upload = (s: Session, id: string, bytes: Buffer) =>
  h.app.inject({
    method: 'POST',
    url: `/console/api/cases/${id}/evidence`,
    payload: bytes,
    headers: { cookie: s.cookie, 'x-csrf-token': s.csrf, 'content-type': 'application/octet-stream' },
  });
const detail = async (s: Session, id: string) => (await get(s, `/console/api/cases/${id}`)).json();
const stored = (id: string) => db().case.findUniqueOrThrow({ where: { id } });
const types = async (id: string) => (await db().caseEvent.findMany({ where: { caseId: id }, orderBy: { at: 'asc' } })).map((e) => e.type);
const assigned = (deadline = new Date('2030-06-10T15:59:59Z')) => makeCase(h.services, { status: 'assigned', departmentCode: 'G630102', set: { deadline } });

describe('review before closing', () => {
  it('holds a handler’s answer for review; on approval the resident gets it with the photo and is asked to rate', async () => {
    const c = await assigned();
    await h.say(c.user, '你好');
    const photo = await upload(chengdong, c.id, PNG);
    expect(photo.statusCode).toBe(201);
    expect(photo.json()).toMatchObject({ kind: 'photo', mimeType: 'image/png' });
    const resolved = await act(chengdong, c.id, 'resolve', { text: '路灯已于今日修复，见照片。', evidence: [photo.json().id] });
    expect(resolved.statusCode).toBe(200);
    expect(await stored(c.id)).toMatchObject({ status: 'in_review', resolvedAt: null });

    // The office sees it waiting, with the answer and the legal decisions; the handler cannot approve.
    const queue = (await get(office, '/console/api/requests')).json();
    expect(queue.reviews.map((r: { number: string }) => r.number)).toContain(c.number);
    const seen = await detail(office, c.id);
    expect(seen.review.note).toBe('路灯已于今日修复，见照片。');
    expect(seen.actions).toEqual(expect.arrayContaining(['approve', 'return']));
    expect(seen.actions).not.toContain('resolve');
    expect((await act(chengdong, c.id, 'approve')).statusCode).toBe(403);
    expect((await get(chengdong, '/console/api/requests')).statusCode).toBe(403);

    // Not told yet: nothing about a result on the resident's page, and a status query says in progress.
    await new Promise((r) => setTimeout(r, 300));
    expect((await h.poll(c.user)).messages.some((m: { text: string }) => m.text.includes('已办结'))).toBe(false);
    expect((await h.say(c.user, `查询 ${c.number}`)).map((r) => r.text).join('\n')).toContain('办理中');

    expect((await act(office, c.id, 'approve')).statusCode).toBe(200);
    expect(await stored(c.id)).toMatchObject({ status: 'resolved', resolvedAt: expect.any(Date) });
    expect(await types(c.id)).toEqual(['review_submitted', 'review_approved']);
    const told = await eventually(async () => (await h.poll(c.user)).messages.find((m) => m.text.includes('已办结')));
    expect(told.text).toContain('路灯已于今日修复，见照片。');
    expect(told.buttons?.map((b) => b.label)).toEqual(['满意', '基本满意', '不满意']);
    expect(told.files).toEqual([expect.objectContaining({ id: photo.json().id, mimeType: 'image/png' })]);

    // The page can load the photo with the resident's own token, and nobody else's.
    const file = await h.app.inject({ method: 'GET', url: `/api/webchat/files/${photo.json().id}`, headers: await h.authHeaders(c.user) });
    expect(file.statusCode).toBe(200);
    expect(file.headers['content-type']).toBe('image/png');
    expect(file.rawPayload.equals(PNG)).toBe(true);
    const stranger = await h.app.inject({ method: 'GET', url: `/api/webchat/files/${photo.json().id}`, headers: await h.authHeaders('someone-else') });
    expect(stranger.statusCode).toBe(404);
  });

  it('logs the evidence sent with an answer as references to the stored file, shown again after Redis lost the page', async () => {
    const c = await assigned();
    const photo = (await upload(chengdong, c.id, PNG)).json();
    await act(chengdong, c.id, 'resolve', { text: '井盖已补装，见照片。', evidence: [photo.id] });
    await act(office, c.id, 'approve');
    const logged = await eventually(() =>
      db().message.findFirst({ where: { direction: 'outbound', text: { contains: '井盖已补装' }, conversation: { resident: { externalId: c.user } } } }).then((m) => m ?? undefined),
    );
    const row = await db().attachment.findUniqueOrThrow({ where: { id: photo.id } });
    expect(logged.files).toEqual([{ id: photo.id, sha256: row.sha256, mimeType: 'image/png' }]);
    // Sending made no copy: still the one Attachment row uploaded for the case.
    expect(await db().attachment.count({ where: { caseId: c.id } })).toBe(1);
    // The page is rebuilt from the log when Redis lost it: the photo is still there.
    const prefix = h.services.config.REDIS_PREFIX;
    await h.services.redis.del(`${prefix}:webchat:mailbox-list:${c.user}`);
    const again = (await h.poll(c.user)).messages.find((m) => m.text.includes('井盖已补装'));
    expect(again?.files).toEqual([expect.objectContaining({ id: photo.id, mimeType: 'image/png' })]);
  });

  it('returns an answer to the department with a reason: on the timeline, counted, the deadline unchanged, the resident not told', async () => {
    const deadline = new Date('2030-06-10T15:59:59Z');
    const c = await assigned(deadline);
    expect((await act(chengdong, c.id, 'resolve', { text: '已处理。' })).statusCode).toBe(200);
    expect((await act(office, c.id, 'return', { text: '  ' })).statusCode).toBe(400);
    expect((await act(office, c.id, 'return', { text: '答非所问：居民反映的是路灯，不是路面。' })).statusCode).toBe(200);
    expect(await stored(c.id)).toMatchObject({ status: 'in_progress', returnedCount: 1, deadline });
    const seen = await detail(chengdong, c.id);
    expect(seen.events.at(-1)).toMatchObject({ type: 'review_returned', actorName: '李督查' });
    expect(seen.events.at(-1).text).toContain('答非所问');
    expect(seen.actions).toContain('resolve');
    // A second round is reviewed again, and counted again when returned.
    await act(chengdong, c.id, 'resolve', { text: '路灯已更换。' });
    await act(office, c.id, 'return', { text: '请附照片。' });
    expect((await stored(c.id)).returnedCount).toBe(2);
    const { messages } = await h.poll(c.user);
    expect(messages.filter((m: { text: string }) => m.text.includes('已办结') || m.text.includes('退回'))).toHaveLength(0);
  });

  it('refuses evidence that is not a photo or PDF, and evidence of another case', async () => {
    const c = await assigned();
    const other = await assigned();
    expect((await upload(chengdong, c.id, Buffer.from('MZ this is a program'))).statusCode).toBe(415);
    expect((await upload(chengxi, c.id, PNG)).statusCode).toBe(404);
    const elsewhere = (await upload(chengdong, other.id, PNG)).json();
    const res = await act(chengdong, c.id, 'resolve', { text: '已修复。', evidence: [elsewhere.id] });
    expect(res.statusCode).toBe(400);
    expect((await stored(c.id)).status).toBe('assigned');
  });

  it('lets the supervision office resolve its own case without a review', async () => {
    const c = await makeCase(h.services, { status: 'in_progress', departmentCode: 'DCS' });
    expect((await act(office, c.id, 'resolve', { text: '督查室已直接协调解决。' })).statusCode).toBe(200);
    expect((await stored(c.id)).status).toBe('resolved');
  });
});

describe('extensions and hand-backs', () => {
  it('moves the deadline when an extension is approved, and counts it', async () => {
    const c = await assigned(new Date('2030-06-10T15:59:59Z'));
    expect((await act(chengdong, c.id, 'requestExtension', { until: '2030-06-01', text: '需要采购灯具' })).statusCode).toBe(400);
    expect((await act(chengdong, c.id, 'requestExtension', { until: '2030-06-20', text: '' })).statusCode).toBe(400);
    expect((await act(chengdong, c.id, 'requestExtension', { until: '2030-06-20', text: '需要采购灯具' })).statusCode).toBe(200);
    // One pending request at a time; the office does not ask itself.
    expect((await act(chengdong, c.id, 'handBack', { text: '不归我们管' })).statusCode).toBe(409);
    expect((await act(office, c.id, 'requestExtension', { until: '2030-06-21', text: '…' })).statusCode).toBe(403);
    expect((await detail(chengdong, c.id)).actions).not.toContain('requestExtension');

    const { requests } = (await get(office, '/console/api/requests')).json();
    const mine = requests.find((r: { case: { id: string } }) => r.case.id === c.id);
    expect(mine).toMatchObject({ kind: 'extension', text: '需要采购灯具', status: 'pending', staff: { displayName: '王办理' } });
    expect((await detail(office, c.id)).actions).toEqual(expect.arrayContaining(['approveRequest', 'refuseRequest']));

    expect((await act(office, c.id, 'approveRequest')).statusCode).toBe(200);
    // The end of that day in Shanghai.
    expect(await stored(c.id)).toMatchObject({ deadline: new Date('2030-06-20T15:59:59Z'), extensionCount: 1 });
    expect(await types(c.id)).toEqual(['extension_requested', 'extension_approved']);
    expect((await act(office, c.id, 'approveRequest')).statusCode).toBe(409);
    expect((await db().caseRequest.findFirstOrThrow({ where: { caseId: c.id } })).status).toBe('approved');
  });

  it('tells the resident the new deadline of an approved extension, in their language, once', async () => {
    const c = await assigned(new Date('2030-06-10T15:59:59Z'));
    await db().resident.updateMany({ where: { channel: 'webchat', externalId: c.user }, data: { language: 'en' } });
    await act(chengdong, c.id, 'requestExtension', { until: '2030-06-20', text: '需要采购灯具' });
    // Asking is between staff: the resident hears nothing of it.
    await new Promise((r) => setTimeout(r, 300));
    expect((await h.poll(c.user)).messages).toHaveLength(0);
    expect((await act(office, c.id, 'approveRequest')).statusCode).toBe(200);
    const told = await eventually(async () => (await h.poll(c.user)).messages.find((m) => m.text.includes('2030-06-20')));
    expect(told.text).toContain(`The deadline for your case ${c.number} has been extended to 2030-06-20`);
    // The reconciler finds nothing left to tell: the message is not sent again.
    await processReconcile({ ...h.services, now: () => new Date(h.services.now().getTime() + 86_400_000) });
    await new Promise((r) => setTimeout(r, 300));
    expect((await h.poll(c.user)).messages.filter((m) => m.text.includes('extended'))).toHaveLength(1);
  });

  it('explains a refusal to the handler on the case', async () => {
    const c = await assigned();
    await act(chengdong, c.id, 'handBack', { text: '该路段属城西区管辖' });
    expect((await act(office, c.id, 'refuseRequest', {})).statusCode).toBe(400);
    expect((await act(office, c.id, 'refuseRequest', { text: '经核实该路段在城东区，请继续办理' })).statusCode).toBe(200);
    const seen = await detail(chengdong, c.id);
    expect(seen.events.at(-1)).toMatchObject({ type: 'handback_refused', actorName: '李督查' });
    expect(seen.events.at(-1).text).toContain('经核实该路段在城东区');
    expect(seen.pendingRequest).toBeNull();
    expect(await stored(c.id)).toMatchObject({ status: 'assigned' });
  });

  it('returns an approved hand-back to triage at the office, recording the department that refused it', async () => {
    const c = await assigned();
    await act(chengdong, c.id, 'handBack', { text: '属于全省问题' });
    expect((await act(office, c.id, 'approveRequest', { text: '督查室另行分办' })).statusCode).toBe(200);
    const after = await db().case.findUniqueOrThrow({ where: { id: c.id }, include: { department: true } });
    expect(after).toMatchObject({ status: 'accepted', deadline: null });
    expect(after.department?.code).toBe('DCS');
    const event = await db().caseEvent.findFirstOrThrow({ where: { caseId: c.id, type: 'handback_approved' } });
    expect(event.data).toMatchObject({ refusedDepartmentName: expect.stringContaining('城东区') });
    // The handler no longer sees it; the office assigns it again.
    expect((await get(chengdong, `/console/api/cases/${c.id}`)).statusCode).toBe(404);
    expect((await detail(office, c.id)).actions).toContain('assign');
  });
});

describe('corrections by staff', () => {
  it('corrects the topic and the place, on the timeline and as labelled examples', async () => {
    const c = await assigned();
    expect((await act(chengdong, c.id, 'correctTopic', { topic: '没有这个类别' })).statusCode).toBe(400);
    expect((await act(chengdong, c.id, 'correctTopic', { topic: '交通运输' })).statusCode).toBe(200);
    expect((await act(chengdong, c.id, 'correctPlace', { placeText: '八一中路与互助路口', regionCode: '630102' })).statusCode).toBe(200);
    expect(await stored(c.id)).toMatchObject({ topic: '交通运输', placeText: '八一中路与互助路口', regionCode: '630102' });
    const [topic] = await db().topicCorrection.findMany({ where: { caseId: c.id } });
    expect(topic).toMatchObject({ text: c.description, fromTopic: '城乡建设', toTopic: '交通运输' });
    expect(await db().placeCorrection.count({ where: { caseId: c.id, toPlace: '八一中路与互助路口' } })).toBe(1);
    const texts = (await detail(chengdong, c.id)).events.map((e: { text: string }) => e.text);
    expect(texts).toEqual(expect.arrayContaining([expect.stringContaining('交通运输'), expect.stringContaining('八一中路与互助路口')]));
  });
});

describe('the actions offered', () => {
  it('offers only what the role may do in the status, and speaks of actors in words', async () => {
    const c = await makeCase(h.services, { status: 'received', departmentCode: 'G630102' });
    await db().caseEvent.create({ data: { caseId: c.id, type: 'created', actor: 'system:intake', at: h.services.now() } });
    const handler = await detail(chengdong, c.id);
    expect(handler.actions).not.toEqual(expect.arrayContaining(['accept']));
    expect(handler.actions).not.toContain('supervise');
    const supervisor = await detail(office, c.id);
    expect(supervisor.actions).toEqual(expect.arrayContaining(['accept', 'reject', 'requestInfo', 'note']));
    expect(supervisor.actions).not.toContain('resolve');
    expect(supervisor.events[0].actorName).toBe('系统');
    expect((await get(office, `/console/api/cases/${c.id}?lang=en`)).json().events[0].actorName).toBe('System');
  });
});
