import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createMenu } from '../bot/channels/wechat-mp/menu.js';
import { Reach } from '../bot/channels/wechat-mp/reach.js';
import { parseFlatXml, XmlError } from '../bot/channels/wechat-mp/xml.js';
import { AttachmentStore } from '../bot/conversations/attachments.js';
import { caseActions } from '../core/cases/actions.js';
import { staffEventText } from '../core/cases/describe.js';
import { logId } from '../core/deliveries.js';
import { loadConfig } from '../core/platform/config.js';
import { outboundSchema } from '../core/queues.js';
import { INSTANTS } from './support/clock.js';
import { FakeWechatMp, platformDecrypt, platformEncrypt } from './support/fake-wechat-mp.js';
import { makeCase } from './support/cases.js';
import { eventually, reconcileAt, startHarness, type Harness } from './support/harness.js';

const APPID = 'wx0123456789abcdef';
const SECRET = 'fake-app-secret-0123456789abcdef';
const TOKEN = 'tingminTestToken42';
const AES_KEY = randomBytes(32).toString('base64').slice(0, 43);
const ACCOUNT = 'gh_0123456789ab';
const PNG = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==', 'base64');
const PDF = Buffer.from('%PDF-1.4\n% 验收单\n%%EOF\n');

/** A clock the test can move forward (to get past the 48-hour window); it runs at the real pace otherwise. */
function movableClock(iso: string) {
  const start = new Date(iso).getTime();
  const origin = performance.now();
  let shift = 0;
  return {
    now: () => new Date(start + shift + (performance.now() - origin)),
    advance: (ms: number) => void (shift += ms),
  };
}

const sha1 = (...parts: string[]) => createHash('sha1').update(parts.sort().join('')).digest('hex');
const cdata = (v: string | number) => (typeof v === 'number' ? String(v) : `<![CDATA[${v}]]>`);
const xmlOf = (fields: Record<string, string | number>) => `<xml>${Object.entries(fields).map(([k, v]) => `<${k}>${cdata(v)}</${k}>`).join('')}</xml>`;
const contentOf = (body: string) => body.match(/<Content><!\[CDATA\[([\s\S]*)\]\]><\/Content>/)?.[1];
/** The number in front of a numbered line whose label contains `label`. */
const numberOf = (text: string, label: string) => text.split('\n').find((l) => /^\d+\. /.test(l) && l.includes(label))?.split('.')[0];

/** A follower of the Official Account, talking through the platform to Tingmin's /wechat/mp. */
function platform(getH: () => Harness, api: FakeWechatMp, clock: { now: () => Date }, opts: { aesKey?: string } = {}) {
  let serial = 7_000_000_000;
  const seconds = () => Math.floor(clock.now().getTime() / 1000);
  function signedQuery(extra: Record<string, string> = {}, ts = seconds()) {
    const nonce = randomBytes(6).toString('hex');
    return { signature: sha1(TOKEN, String(ts), nonce), timestamp: String(ts), nonce, ...extra };
  }
  /** Posts one message as the platform would; returns the status, the raw body and the passive reply's text. */
  async function post(fields: Record<string, string | number>, query: Record<string, string> = signedQuery()) {
    let payload = xmlOf(fields);
    if (opts.aesKey) {
      const encrypted = platformEncrypt(opts.aesKey, APPID, payload);
      Object.assign(query, { encrypt_type: 'aes', msg_signature: sha1(TOKEN, query.timestamp!, query.nonce!, encrypted) });
      payload = xmlOf({ ToUserName: ACCOUNT, Encrypt: encrypted });
    }
    const res = await getH().app.inject({ method: 'POST', url: `/wechat/mp?${new URLSearchParams(query)}`, headers: { 'content-type': 'text/xml' }, payload });
    let body = res.body;
    if (opts.aesKey && res.statusCode === 200 && body !== 'success') {
      const outer = Object.fromEntries([...body.matchAll(/<(\w+)>(?:<!\[CDATA\[)?([^<\]]*)/g)].map((m) => [m[1], m[2]]));
      expect(outer.MsgSignature).toBe(sha1(TOKEN, outer.TimeStamp!, outer.Nonce!, outer.Encrypt!));
      const inner = platformDecrypt(opts.aesKey, outer.Encrypt!);
      expect(inner.appId).toBe(APPID);
      body = inner.xml;
    }
    return { status: res.statusCode, body, text: contentOf(body) ?? '' };
  }
  function message(openId: string, type: string, fields: Record<string, string | number>, msgId = serial++) {
    api.wrote(openId);
    return post({ ToUserName: ACCOUNT, FromUserName: openId, CreateTime: seconds(), MsgType: type, ...fields, MsgId: msgId });
  }
  return {
    post,
    signedQuery,
    seconds,
    say: (openId: string, text: string) => message(openId, 'text', { Content: text }),
    message,
    event(openId: string, event: string, extra: Record<string, string> = {}) {
      api.wrote(openId);
      return post({ ToUserName: ACCOUNT, FromUserName: openId, CreateTime: seconds(), MsgType: 'event', Event: event, ...extra });
    },
  };
}

/** Tingmin with the Official Account on, against the fake platform, with a data folder of its own. */
async function startAccount(api: FakeWechatMp, clock: { now: () => Date }, env: Record<string, string>): Promise<Harness> {
  return startHarness({
    workers: true,
    now: clock.now,
    env: {
      DATA_DIR: await mkdtemp(join(tmpdir(), 'tingmin-wechat-mp-')),
      WECHAT_MP_APPID: APPID,
      WECHAT_MP_SECRET: SECRET,
      WECHAT_MP_TOKEN: TOKEN,
      WECHAT_MP_API_ROOT: await api.start(),
      ...env,
    },
  });
}

async function stopAccount(h: Harness, api: FakeWechatMp): Promise<void> {
  await h.close();
  await api.stop();
  await rm(h.services.config.DATA_DIR, { recursive: true, force: true });
}

const openIdOf = (name: string) => `o${name}${randomBytes(10).toString('hex')}`;

describe('WeChat Official Account, plain mode', () => {
  const clock = movableClock(INSTANTS.workingMorning);
  const api = new FakeWechatMp({ appId: APPID, secret: SECRET, now: clock.now });
  let h: Harness;
  const mp = platform(() => h, api, clock);

  beforeAll(async () => {
    h = await startAccount(api, clock, { WECHAT_MP_TEMPLATE_ID: 'tpl_case_update' });
  });
  afterAll(() => stopAccount(h, api));

  it('answers the platform’s URL check with echostr, and refuses a bad signature', async () => {
    const ok = await h.app.inject({ method: 'GET', url: `/wechat/mp?${new URLSearchParams(mp.signedQuery({ echostr: 'echo-12345' }))}` });
    expect([ok.statusCode, ok.body]).toEqual([200, 'echo-12345']);
    const bad = await h.app.inject({ method: 'GET', url: `/wechat/mp?${new URLSearchParams({ ...mp.signedQuery({ echostr: 'x' }), signature: sha1('wrong', '1', '2') })}` });
    expect(bad.statusCode).toBe(401);
  });

  it('runs a report from following to the case number, with numbered choices, and answers a status query', async () => {
    const me = openIdOf('report');
    const welcome = await mp.event(me, 'subscribe');
    expect(welcome.status).toBe(200);
    expect(welcome.text).toContain('您好');
    expect(welcome.text).toMatch(/1\. 反映问题\n2\. 查询进度\n3\. 转人工/);
    const start = await mp.event(me, 'CLICK', { EventKey: 'menu:report' });
    expect(start.text).toContain('请描述');
    const topics = await mp.say(me, '城东区八一路小区门口路面塌陷了一个星期没人管');
    const topic = numberOf(topics.text, '城乡建设')!;
    expect(topic).toMatch(/^\d$/);
    // A full-width digit picks the line, as residents type on a Chinese keyboard.
    const phone = await mp.say(me, String.fromCharCode(topic.charCodeAt(0) + 0xfee0));
    expect(phone.text).toContain('手机号码');
    const summary = await mp.say(me, '跳过');
    expect(summary.text).toContain('【发生地点】西宁市城东区');
    const confirm = Number(numberOf(summary.text, '确认'));
    const done = await mp.say(me, '一二三四五六七八九'[confirm - 1]!);
    expect(done.text).toContain('已收到您的留言');
    // The case number comes later, from the workers, as a customer-service message.
    const note = await eventually(async () => api.texts(me).find((t) => /QH\d{10}/.test(t)));
    expect(note).toContain('西宁市城东区人民政府');
    const number = note.match(/QH\d{10}/)![0];
    const status = await mp.say(me, `查询 ${number}`);
    expect(status.text).toContain(`案件 ${number}`);
    const resident = await h.services.db.resident.findFirstOrThrow({ where: { channel: 'wechat_mp', externalId: me } });
    expect(await h.services.db.case.count({ where: { residentId: resident.id } })).toBe(1);
    // The database keeps the channel as the contract names it.
    const [row] = await h.services.db.$queryRaw<{ channel: string }[]>`SELECT channel::text FROM "Resident" WHERE id = ${resident.id}::uuid`;
    expect(row!.channel).toBe('wechat-mp');

    // Two days later the department answers: the window is over, so it comes as a template message, once.
    clock.advance(49 * 3600 * 1000);
    const office = await h.services.db.staff.create({ data: { username: 'mp-office', role: 'supervisor', passwordHash: 'x' } });
    const c = await h.services.db.case.findFirstOrThrow({ where: { number } });
    const sentBefore = api.texts(me).length;
    await caseActions(h.services).reply(office, c.id, '我们已安排施工队明天修复路面。');
    const [template] = await eventually(async () => (api.templates(me).length ? api.templates(me) : undefined));
    expect(template!.template_id).toBe('tpl_case_update');
    expect(template!.data.character_string1!.value).toBe(number);
    expect([...template!.data.thing2!.value].length).toBeLessThanOrEqual(20);
    expect(template!.data.time3!.value).toMatch(/^\d{4}-\d{2}-\d{2} \d{2}:\d{2}$/);
    await new Promise((r) => setTimeout(r, 500));
    expect(api.templates(me)).toHaveLength(1);
    expect(api.texts(me)).toHaveLength(sentBefore);
  });

  it('falls back to the template when the platform answers 45015, and keeps what it cannot send for the next message', async () => {
    const me = openIdOf('window');
    await mp.say(me, '你好');
    const resident = await h.services.db.resident.findFirstOrThrow({ where: { channel: 'wechat_mp', externalId: me }, include: { conversations: true } });
    const job = (key: string, text: string) =>
      h.services.outbound.wechat_mp.add('deliver', { key, conversationId: resident.conversations[0]!.id, recipient: me, replies: [{ text }] }, { jobId: key });
    // Tingmin thinks the window is open, the platform disagrees (45015): the template carries it.
    api.closeWindow(me);
    await job(`k45015-${me}`, '您反映的问题已转交 QH2612020099 处理。');
    const [sent] = await eventually(async () => (api.templates(me).length ? api.templates(me) : undefined));
    expect(sent!.data.character_string1!.value).toBe('QH2612020099');
    expect(api.texts(me)).toHaveLength(0);
    // The follower blocked template messages: kept, and shown with the answer to their next message.
    api.refuseTemplates = true;
    try {
      await job(`kept-${me}`, '第二条通知：已办结。');
      await eventually(async () => ((await h.services.outbound.wechat_mp.getJobState(`kept-${me}`)) === 'completed' ? true : undefined));
    } finally {
      api.refuseTemplates = false;
    }
    const next = await mp.say(me, '帮助');
    expect(next.text.indexOf('第二条通知：已办结。')).toBe(0);
    expect(next.text).toContain('使用方法');
    expect((await mp.say(me, '帮助')).text).not.toContain('第二条通知');
  });

  it('leaves a kept notification undelivered until it is shown, and keeps it through an emptied Redis', async () => {
    const me = openIdOf('kept-durable');
    await mp.say(me, '你好');
    const { db, redis, config, outbound } = h.services;
    const resident = await db.resident.findFirstOrThrow({ where: { channel: 'wechat_mp', externalId: me }, include: { conversations: true } });
    const key = `durable-${me}`;
    const text = '第三条通知：已转交城东区人民政府办理。';
    // Recorded as every notification is, then queued; the platform refuses both ways to send it now.
    await db.delivery.create({ data: { key, conversationId: resident.conversations[0]!.id, replies: [{ text }], createdAt: h.services.now(), nextAttemptAt: h.services.now() } });
    api.closeWindow(me);
    api.refuseTemplates = true;
    const done = () => eventually(async () => ((await outbound.wechat_mp.getJobState(key)) === 'completed' ? true : undefined));
    try {
      await outbound.wechat_mp.add('deliver', { key, conversationId: resident.conversations[0]!.id, recipient: me, replies: [{ text }] }, { jobId: key });
      await done();
      // Not delivered: the resident has not seen it.
      expect((await db.delivery.findUniqueOrThrow({ where: { key } })).deliveredAt).toBeNull();
      // Redis restarts empty: the kept copy is gone, the record is not, and the reconciler's tries keep it again, once.
      for (const k of await redis.keys(`${config.REDIS_PREFIX}:wechat-mp:kept*`)) await redis.del(k);
      await (await outbound.wechat_mp.getJob(key))?.remove();
      for (const minutes of [6, 30]) {
        expect(await reconcileAt(h, minutes)).toMatchObject({ deliveries: 1 });
        await done();
      }
    } finally {
      api.refuseTemplates = false;
    }
    const next = await mp.say(me, '帮助');
    expect(next.text.indexOf(text)).toBe(0);
    expect(next.text.split(text)).toHaveLength(2);
    // Shown now: marked delivered (just after the answer went out) and in the conversation's log, once.
    await eventually(async () => ((await db.delivery.findUniqueOrThrow({ where: { key } })).deliveredAt ? true : undefined));
    expect(await db.message.count({ where: { externalId: logId(key, 0) } })).toBe(1);
    expect((await mp.say(me, '帮助')).text).not.toContain(text);
    // A reply kept by the previous version (a Reply of its own in the list) is still shown after an upgrade.
    await redis.rPush(`${config.REDIS_PREFIX}:wechat-mp:kept:${me}`, JSON.stringify({ text: '升级前保留的通知。' }));
    expect((await mp.say(me, '帮助')).text.startsWith('升级前保留的通知。')).toBe(true);
  });

  it('shows a kept notification once when a reconciler’s try comes while the resident’s message shows it', async () => {
    const me = openIdOf('kept-race');
    await mp.say(me, '你好');
    const { db, redis, config, outbound } = h.services;
    const [conversation] = (await db.resident.findFirstOrThrow({ where: { channel: 'wechat_mp', externalId: me }, include: { conversations: true } })).conversations;
    const key = `race-${me}`;
    const text = '第四条通知：已办结。';
    await db.delivery.create({ data: { key, conversationId: conversation!.id, replies: [{ text }], createdAt: h.services.now(), nextAttemptAt: h.services.now() } });
    api.closeWindow(me);
    api.refuseTemplates = true;
    const done = () => eventually(async () => ((await outbound.wechat_mp.getJobState(key)) === 'completed' ? true : undefined));
    const reconcilerTry = async (minutes: number) => {
      await (await outbound.wechat_mp.getJob(key))?.remove();
      expect(await reconcileAt(h, minutes)).toMatchObject({ deliveries: 1 });
      await done();
    };
    try {
      await outbound.wechat_mp.add('deliver', { key, conversationId: conversation!.id, recipient: me, replies: [{ text }] }, { jobId: key });
      await done();
      const sentBefore = api.texts(me).length;
      expect((await mp.say(me, '帮助')).text.indexOf(text)).toBe(0);
      // The reconciler picked it up as the turn showed it, before the turn marked it delivered.
      await eventually(async () => ((await db.delivery.findUniqueOrThrow({ where: { key } })).deliveredAt ? true : undefined));
      await db.delivery.update({ where: { key }, data: { deliveredAt: null } });
      await reconcilerTry(6);
      // The window is open again: a try that did not leave it to the turn would send it through customer service.
      expect(api.texts(me).slice(sentBefore).join('\n')).not.toContain(text);
      expect((await mp.say(me, '帮助')).text).not.toContain(text);
      // Had that turn failed to show it, it is not lost: once the turn's claim lapses (5 minutes), a try sends it.
      await redis.del(`${config.REDIS_PREFIX}:wechat-mp:kept-showing:${me}`);
      await reconcilerTry(30);
      expect(api.texts(me).slice(sentBefore).join('\n')).toContain(text);
    } finally {
      api.refuseTemplates = false;
    }
  });

  it('handles a retried MsgId once and gives the platform the same answer again', async () => {
    const me = openIdOf('retry');
    const first = await mp.message(me, 'text', { Content: '帮助' }, 42_4242);
    const again = await mp.message(me, 'text', { Content: '帮助' }, 42_4242);
    expect(first.text).toContain('使用方法');
    expect(again.text).toBe(first.text);
    const inbound = await eventually(async () => {
      const n = await h.services.db.message.count({ where: { direction: 'inbound', externalId: '424242' } });
      return n > 0 ? n : undefined;
    });
    expect(inbound).toBe(1);
  });

  it('answers the retry of a message whose process died mid-turn', async () => {
    const me = openIdOf('crash');
    const msgId = 8_100_000_001;
    // What a process killed while answering leaves behind: its claim, which it no longer renews.
    await h.services.redis.set(`${h.services.config.REDIS_PREFIX}:wechat-mp:seen:${msgId}`, '…', { EX: 2 });
    const retry = await mp.message(me, 'text', { Content: '你好' }, msgId);
    expect(retry.status).toBe(200);
    expect(retry.text).toContain('反映问题');
  });

  it('refuses a bad signature and a stale timestamp, and processes nothing', async () => {
    const me = openIdOf('forged');
    const fields = { ToUserName: ACCOUNT, FromUserName: me, CreateTime: mp.seconds(), MsgType: 'text', Content: '你好', MsgId: 9_999_001 };
    const forged = await mp.post(fields, { ...mp.signedQuery(), signature: sha1('not-the-token', '1', '2') });
    expect(forged.status).toBe(401);
    const stale = await mp.post({ ...fields, MsgId: 9_999_002 }, mp.signedQuery({}, mp.seconds() - 3600));
    expect([stale.status, stale.body]).toEqual([401, 'stale timestamp']);
    expect(await h.services.db.resident.count({ where: { externalId: me } })).toBe(0);
  });

  it('refuses XML with a DTD or entities, nesting, or repeated elements', async () => {
    const bomb = '<?xml version="1.0"?><!DOCTYPE xml [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;">]><xml><Content>&b;</Content></xml>';
    expect(() => parseFlatXml(bomb)).toThrow(XmlError);
    expect(() => parseFlatXml('<xml><Content>&b;</Content></xml>')).toThrow(XmlError);
    expect(() => parseFlatXml('<xml><A><B>1</B></A></xml>')).toThrow(XmlError);
    expect(() => parseFlatXml('<xml><A>1</A><A>2</A></xml>')).toThrow(XmlError);
    expect(parseFlatXml('<xml><A><![CDATA[x]]]]><![CDATA[>y]]></A><B>1 &lt; 2</B></xml>')).toEqual(new Map([['A', 'x]]>y'], ['B', '1 < 2']]));
    const res = await mp.post({ ToUserName: ACCOUNT }, mp.signedQuery());
    expect(res.status).toBe(400);
    const posted = await h.app.inject({ method: 'POST', url: `/wechat/mp?${new URLSearchParams(mp.signedQuery())}`, headers: { 'content-type': 'text/xml' }, payload: bomb });
    expect(posted.statusCode).toBe(400);
  });

  it('answers hostile and careless messages without a 5xx, and keeps serving other followers', async () => {
    const me = openIdOf('hostile');
    const normal = openIdOf('normal');
    const seconds = mp.seconds();
    const hostile: Record<string, string | number>[] = [
      { ToUserName: ACCOUNT, FromUserName: me, CreateTime: seconds, MsgType: 'text', Content: '城东区\u0000路灯\ud800坏了\u202e很久', MsgId: 1 },
      { ToUserName: ACCOUNT, FromUserName: me, CreateTime: seconds, MsgType: '__proto__', Content: 'x', MsgId: 2 },
      { ToUserName: ACCOUNT, FromUserName: me, CreateTime: seconds, MsgType: 'event', Event: 'constructor', EventKey: 'toString' },
      { ToUserName: ACCOUNT, FromUserName: me, CreateTime: seconds, MsgType: 'event', Event: 'CLICK', EventKey: '__proto__' },
      { ToUserName: ACCOUNT, FromUserName: 'constructor', CreateTime: seconds, MsgType: 'text', Content: 'hasOwnProperty', MsgId: 3 },
      { ToUserName: ACCOUNT, CreateTime: 'yesterday', MsgType: 'text', MsgId: 4 },
      { ToUserName: ACCOUNT, FromUserName: me, CreateTime: seconds, MsgType: 'text', Content: '长'.repeat(30_000), MsgId: 5 },
    ];
    for (const fields of hostile) {
      const res = await mp.post(fields);
      expect(res.status, JSON.stringify(fields).slice(0, 80)).toBeLessThan(500);
    }
    const huge = await h.app.inject({ method: 'POST', url: `/wechat/mp?${new URLSearchParams(mp.signedQuery())}`, headers: { 'content-type': 'text/xml' }, payload: `<xml>${'<a>1</a>'.repeat(100_000)}</xml>` });
    expect(huge.statusCode).toBeGreaterThanOrEqual(400);
    expect(huge.statusCode).toBeLessThan(500);
    // The bad bytes were cleaned before anything was stored.
    const resident = await h.services.db.resident.findFirst({ where: { externalId: me } });
    if (resident) {
      const stored = await h.services.db.message.findMany({ where: { conversation: { residentId: resident.id }, direction: 'inbound' } });
      for (const m of stored) expect(m.text).not.toMatch(/\u0000|[\ud800-\udbff](?![\udc00-\udfff])/);
    }
    expect((await mp.event(normal, 'subscribe')).text).toContain('您好');
  });

  it('takes a shared location as the place, voice by its recognised words, and answers other kinds politely', async () => {
    const me = openIdOf('media');
    const topics = await mp.say(me, '小区门口的下水井盖丢了好几天，晚上非常危险');
    // Speech recognition's words answer like typed ones: "1" picks the first topic.
    const voice = await mp.message(me, 'voice', { MediaId: 'v1', Format: 'amr', Recognition: numberOf(topics.text, '城乡建设')! });
    expect(voice.text).toContain('问题发生在哪里');
    const silent = await mp.message(me, 'voice', { MediaId: 'v2', Format: 'amr' });
    expect(silent.text).toContain('请用文字');
    const video = await mp.message(me, 'video', { MediaId: 'm1', ThumbMediaId: 't1' });
    expect(video.text).toContain('请用文字');
    const place = await mp.message(me, 'location', { Location_X: 36.62, Location_Y: 101.78, Scale: 15, Label: '西宁市城东区八一路' });
    expect(place.text).toContain('手机号码');
    expect((await mp.say(me, '跳过')).text).toContain('西宁市城东区八一路');
  });

  it('fetches a photo through the media API; a slow turn answers success and replies through customer service', async () => {
    const me = openIdOf('photo');
    const jpeg = Buffer.concat([Buffer.from([0xff, 0xd8, 0xff, 0xe0]), Buffer.from('a photo of the pothole')]);
    api.media.set('photo-1', jpeg);
    api.mediaDelayMs = 4500;
    try {
      const res = await mp.message(me, 'image', { PicUrl: 'http://mmbiz.example/1.jpg', MediaId: 'photo-1' });
      expect([res.status, res.body]).toEqual([200, 'success']);
    } finally {
      api.mediaDelayMs = 0;
    }
    const late = await eventually(async () => api.texts(me).find((t) => t.includes('已收到您发来的附件')));
    expect(late).toContain('请再用文字说明');
    expect(await h.services.db.attachment.count({ where: { size: jpeg.length } })).toBeGreaterThan(0);
  });

  /** A case of the resident `me` (who has written before), resolved by staff with these files as evidence. */
  async function resolveWithEvidence(me: string, files: [Buffer, 'photo' | 'file'][], text = '路灯已修复，附照片和验收单。') {
    const { db } = h.services;
    const resident = await db.resident.findFirstOrThrow({ where: { channel: 'wechat_mp', externalId: me }, include: { conversations: true } });
    const c = await makeCase(h.services, { status: 'in_progress', departmentCode: 'DCS' });
    await db.submission.update({ where: { id: c.submissionId }, data: { residentId: resident.id, conversationId: resident.conversations[0]!.id } });
    await db.case.update({ where: { id: c.id }, data: { residentId: resident.id } });
    const store = new AttachmentStore(db, h.services.config.DATA_DIR, h.services.config.ATTACHMENT_MAX_BYTES);
    const evidence: string[] = [];
    for (const [bytes, kind] of files) {
      const saved = await store.save(bytes, kind, c.id);
      evidence.push(saved.stored ? saved.id : '');
    }
    const dcs = await db.department.findUniqueOrThrow({ where: { code: 'DCS' } });
    const office = await db.staff.create({ data: { username: `mp-${me}`, role: 'supervisor', departmentId: dcs.id, passwordHash: 'x' } });
    await caseActions(h.services).resolve(office, c.id, text, evidence);
    return c;
  }

  it('sends a resolution’s photo as an uploaded image message before the answer, and says what a PDF it cannot send is', async () => {
    const me = openIdOf('evidence');
    await mp.say(me, '你好');
    const { db } = h.services;
    const c = await resolveWithEvidence(me, [
      [PNG, 'photo'],
      [PDF, 'file'],
    ]);

    const sent = await eventually(async () => {
      const mine = api.customOrder.filter((m) => m.touser === me).map((m) => m.item);
      return mine.length >= 3 ? mine : undefined;
    });
    const [upload] = api.uploads.filter((u) => sent[0] === `image:${u.mediaId}`);
    expect(upload).toMatchObject({ type: 'image', contentType: 'image/png' });
    expect(upload!.bytes.equals(PNG)).toBe(true);
    expect(sent[1]).toContain('路灯已修复，附照片和验收单。');
    expect(sent[2]).toContain('另有 1 份 PDF 办理凭证');
    expect(sent).toHaveLength(3);

    // A linked case's resident gets the same photo from the same upload; one the platform dropped is uploaded again.
    const again = async (name: string) => {
      const other = openIdOf(name);
      await mp.say(other, '你好');
      const row = await db.resident.findFirstOrThrow({ where: { channel: 'wechat_mp', externalId: other }, include: { conversations: true } });
      const files = await db.attachment.findMany({ where: { caseId: c.id }, orderBy: { mimeType: 'desc' } });
      const replies = [{ text: '办理结果', files: files.map(({ id, sha256, mimeType }) => ({ id, sha256, mimeType })) }];
      await h.services.outbound.wechat_mp.add('deliver', { key: `evidence-${name}`, conversationId: row.conversations[0]!.id, recipient: other, replies }, { jobId: `evidence-${name}` });
      return eventually(async () => api.imageSends.find((m) => m.touser === other));
    };
    expect((await again('linked')).mediaId).toBe(upload!.mediaId);
    expect(api.uploads).toHaveLength(1);
    api.forgetUploads();
    const renewed = await again('dropped');
    expect(renewed.mediaId).not.toBe(upload!.mediaId);
    expect(api.uploads.map((u) => u.mediaId)).toEqual([renewed.mediaId]);
  });

  /**
   * The resident writes (`write`) and gets the resolution kept for them: its photo as an image
   * message, its text and the note on its PDF, then the answer (containing `answer`); all through
   * customer service, as a passive reply carries no image. Writing again shows none of it again.
   */
  async function seesEvidenceOnce(me: string, write: () => Promise<{ body: string }>, answer: string) {
    const imagesOf = () => api.imageSends.filter((m) => m.touser === me);
    expect(imagesOf()).toEqual([]);
    expect((await write()).body).toBe('success');
    const sent = await eventually(async () => {
      const mine = api.customOrder.filter((m) => m.touser === me).map((m) => m.item);
      return mine.some((item) => item.includes(answer)) ? mine : undefined;
    });
    expect(sent[0]).toMatch(/^image:/);
    expect(sent[1]).toContain('路灯已修复，附照片和验收单。');
    expect(sent[2]).toContain('另有 1 份 PDF 办理凭证');
    expect(sent[3]).toContain(answer);
    expect(sent).toHaveLength(4);
    expect(imagesOf()).toHaveLength(1);
    const again = await mp.say(me, '帮助');
    expect(again.text).toContain('使用方法');
    expect(again.text).not.toContain('路灯已修复');
    expect(imagesOf()).toHaveLength(1);
  }

  /** The resident's resolution: its delivery, once the outbound worker is done with it. */
  async function resolutionSent(me: string) {
    const { db, outbound } = h.services;
    // The first: the evidence it may leave for later is recorded after it.
    const delivery = await eventually(() => db.delivery.findFirst({ where: { conversation: { resident: { externalId: me } }, key: { startsWith: 'event-' } }, orderBy: { createdAt: 'asc' } }).then((d) => d ?? undefined));
    await eventually(async () => ((await outbound.wechat_mp.getJobState(delivery.key)) === 'completed' ? true : undefined));
    return delivery;
  }

  /** A follower last heard 49 hours ago (outside the window) whose case was resolved with a photo and a PDF, once its delivery is done. */
  async function resolvedOutsideWindow(name: string) {
    const me = openIdOf(name);
    await mp.say(me, '你好');
    clock.advance(49 * 3600 * 1000);
    await resolveWithEvidence(me, [
      [PNG, 'photo'],
      [PDF, 'file'],
    ]);
    const { key } = await resolutionSent(me);
    return { me, key };
  }

  it('outside the window sends the template, and a resolution’s photo with the answer to the resident’s next message, once', async () => {
    const { me, key } = await resolvedOutsideWindow('lateproof');
    const [template] = api.templates(me);
    // The template's short text field tells the resident how to see the evidence.
    expect(template!.data.thing2!.value).toBe('有办理凭证，回复任意消息查看');
    await seesEvidenceOnce(me, () => mp.say(me, '帮助'), '使用方法');
    expect(api.templates(me)).toHaveLength(1);
    // The message log keeps the files once, when they were shown, not with the template.
    const logged = await eventually(async () => {
      const rows = await h.services.db.message.findMany({ where: { conversation: { resident: { externalId: me } }, direction: 'outbound', externalId: { startsWith: key } } });
      return rows.length >= 2 ? rows : undefined;
    });
    expect(logged.filter((m) => m.files !== null).map((m) => m.externalId)).toEqual([logId(`${key}-evidence`, 0)]);
    // A try after one that sent the template and stopped before the delivery was marked sends
    // nothing, and answers what that one sent, for the log: the text, without the files.
    const { replies } = await h.services.db.delivery.findUniqueOrThrow({ where: { key } });
    const again = await h.runtime.channels.find((c) => c.name === 'wechat_mp')!.deliver(me, outboundSchema.shape.replies.parse(replies), key);
    expect(again?.map((r) => r.files)).toEqual([undefined]);
    expect(again?.[0]?.text).toContain('路灯已修复');
    expect(api.templates(me)).toHaveLength(1);
  });

  it('keeps a resolution’s evidence sent after its template through an emptied Redis, and shows it once', async () => {
    const { me, key } = await resolvedOutsideWindow('durableproof');
    expect(api.templates(me)).toHaveLength(1);
    const { db, redis, config, outbound } = h.services;
    // Redis restarts empty: the reconciler's tries keep the evidence again, once.
    for (const k of await redis.keys(`${config.REDIS_PREFIX}:wechat-mp:kept*`)) await redis.del(k);
    const evidence = await db.delivery.findFirstOrThrow({ where: { conversation: { resident: { externalId: me } }, key: { not: key } } });
    expect(evidence.deliveredAt).toBeNull();
    for (const minutes of [6, 30]) {
      await reconcileAt(h, minutes);
      await eventually(async () => ((await outbound.wechat_mp.getJobState(evidence.key)) === 'completed' ? true : undefined));
    }
    await seesEvidenceOnce(me, () => mp.say(me, '帮助'), '使用方法');
    // Shown: marked delivered, so the reconciler sends it no more; the template went once.
    await eventually(async () => ((await db.delivery.findUniqueOrThrow({ where: { key: evidence.key } })).deliveredAt ? true : undefined));
    expect(api.templates(me)).toHaveLength(1);
  });

  it('tells staff on the timeline when the resident never came to see the evidence the template announced', async () => {
    const { me, key } = await resolvedOutsideWindow('unseenproof');
    const { db } = h.services;
    const c = await db.case.findFirstOrThrow({ where: { resident: { externalId: me } } });
    // Three days and more without a message from the resident: the evidence is given up.
    expect(await reconcileAt(h, 73 * 60)).toMatchObject({ givenUp: 1 });
    expect((await db.delivery.findUniqueOrThrow({ where: { key: `${key}-evidence` } })).gaveUpAt).not.toBeNull();
    const events = await db.caseEvent.findMany({ where: { caseId: c.id }, orderBy: { at: 'asc' } });
    const unseen = events.filter((e) => e.type === 'resident_evidence_unseen');
    expect(unseen).toHaveLength(1);
    expect(staffEventText(unseen[0]!, 'zh', h.services.config.TIMEZONE)).toBe('居民已收到办理结果通知，但迄今未回复查看办理凭证（微信公众号）');
    expect(staffEventText(unseen[0]!, 'en', h.services.config.TIMEZONE)).toBe('The resident was told of the result but has not yet come back to see its evidence (WeChat Official Account)');
    // The resident was reached (the template went): nobody is asked to phone them.
    expect(events.map((e) => e.type)).not.toContain('resident_unreachable');
    // They write after all: the evidence kept for them is shown, once, and the timeline says they saw it.
    await seesEvidenceOnce(me, () => mp.say(me, '帮助'), '使用方法');
    const seen = await eventually(async () => (await db.caseEvent.findMany({ where: { caseId: c.id, type: 'resident_evidence_seen' } })).at(0));
    expect(staffEventText(seen, 'zh', h.services.config.TIMEZONE)).toBe('居民已回复并查看办理凭证（微信公众号）');
    expect(staffEventText(seen, 'en', h.services.config.TIMEZONE)).toBe('The resident came back and has now seen the evidence (WeChat Official Account)');
    expect((await db.caseEvent.findMany({ where: { caseId: c.id } })).map((e) => e.type)).not.toContain('resident_reached');
  });

  it('shows a resolution’s photo, kept while the resident did not follow the account, when they come back, and tells staff', async () => {
    const me = openIdOf('backproof');
    await mp.say(me, '你好');
    await mp.event(me, 'unsubscribe');
    const c = await resolveWithEvidence(me, [
      [PNG, 'photo'],
      [PDF, 'file'],
    ]);
    await resolutionSent(me);
    expect(api.templates(me)).toEqual([]);
    await seesEvidenceOnce(me, () => mp.event(me, 'subscribe'), '您好');
    // Staff were asked to phone when the resident refused; the timeline now says they need not.
    const timeline = await eventually(async () => {
      const events = await h.services.db.caseEvent.findMany({ where: { caseId: c.id }, orderBy: { at: 'asc' } });
      return events.some((e) => e.type === 'resident_reached') ? events : undefined;
    });
    expect(timeline.filter((e) => e.type.startsWith('resident_')).map((e) => staffEventText(e, 'zh', 'Asia/Shanghai'))).toEqual([
      '居民在微信公众号拒收消息（已屏蔽或取消关注），未能通知，请电话联系',
      '居民已收到此前未能送达的通知（微信公众号），无需再电话联系',
    ]);
  });

  it('shows a kept resolution stopped half-way by the platform without its photo again, at the resident’s next message', async () => {
    const me = openIdOf('halfway');
    await mp.say(me, '你好');
    // Neither customer service nor the template can reach the resident now: the resolution is kept.
    api.closeWindow(me);
    api.refuseTemplates = true;
    try {
      await resolveWithEvidence(me, [
        [PNG, 'photo'],
        [PDF, 'file'],
      ]);
      await resolutionSent(me);
    } finally {
      api.refuseTemplates = false;
    }
    const imagesOf = () => api.imageSends.filter((m) => m.touser === me);
    const resolutionTexts = () => api.texts(me).filter((t) => t.includes('路灯已修复'));
    // The resident writes: the photo goes, then the platform is busy for the text after it.
    api.busyTexts.set(me, 1);
    expect((await mp.say(me, '帮助')).body).toBe('success');
    await eventually(async () => (api.busyTexts.get(me) === 0 ? true : undefined));
    expect(imagesOf()).toHaveLength(1);
    expect(resolutionTexts()).toEqual([]);
    // Writing again shows the rest, not the photo again; then it is delivered, and shown no more.
    const delivery = await h.services.db.delivery.findFirstOrThrow({ where: { conversation: { resident: { externalId: me } }, key: { startsWith: 'event-' } } });
    expect((await mp.say(me, '帮助')).body).toBe('success');
    const sent = await eventually(async () => {
      const mine = api.customOrder.filter((m) => m.touser === me).map((m) => m.item);
      return mine.some((item) => item.includes('使用方法')) ? mine : undefined;
    });
    expect(sent).toHaveLength(4);
    expect(sent[0]).toMatch(/^image:/);
    expect(sent[1]).toContain('路灯已修复，附照片和验收单。');
    expect(sent[2]).toContain('另有 1 份 PDF 办理凭证');
    expect(sent[3]).toContain('使用方法');
    await eventually(async () => ((await h.services.db.delivery.findUniqueOrThrow({ where: { key: delivery.key } })).deliveredAt ? true : undefined));
    expect(resolutionTexts()).toHaveLength(1);
    expect((await mp.say(me, '帮助')).text).not.toContain('路灯已修复');
    expect(imagesOf()).toHaveLength(1);
  });

  it('shows a kept notification whose turn died before showing it, once that turn’s claim lapses', async () => {
    const me = openIdOf('diedproof');
    await mp.say(me, '你好');
    await mp.event(me, 'unsubscribe');
    // Kept whole while the resident does not follow, and given up at once (refused): no reconciler's try comes after.
    await resolveWithEvidence(me, [
      [PNG, 'photo'],
      [PDF, 'file'],
    ]);
    await resolutionSent(me);
    // A turn takes it to show it, and its process dies before anything went out.
    expect(await new Reach(h.services.redis, h.services.config.REDIS_PREFIX, h.services.now).takeKept(me)).toHaveLength(1);
    // Meanwhile it counts as being shown: the resident's next message does not show it a second time.
    const back = await mp.event(me, 'subscribe');
    expect(back.text).toContain('您好');
    expect(back.text).not.toContain('路灯已修复');
    // Five minutes on, the claim has lapsed: the next message shows it, once.
    clock.advance(6 * 60 * 1000);
    await seesEvidenceOnce(me, () => mp.say(me, '帮助'), '使用方法');
  });

  it('renews an expired token at once, backs off when rate-limited, and creates the custom menu', async () => {
    const issued = api.tokensIssued;
    api.expireTokens();
    api.rateLimitNext = 1;
    await createMenu(h.runtime.wechatMp!.api);
    expect(api.tokensIssued).toBe(issued + 1);
    expect(api.menus.at(-1)).toEqual({
      button: [
        { type: 'click', name: '反映问题', key: 'menu:report' },
        { type: 'click', name: '查询进度', key: 'menu:status' },
        { type: 'click', name: '转人工', key: 'menu:human' },
      ],
    });
  });

  it('refuses template fields without a summary, which says what changed and how to see the evidence', () => {
    const fields = (value: string) => loadConfig({ ...process.env, WECHAT_MP_TEMPLATE_FIELDS: value }).WECHAT_MP_TEMPLATE_FIELDS;
    expect(() => fields('character_string1:number,time3:time')).toThrow(/WECHAT_MP_TEMPLATE_FIELDS: one field must be summary/);
    expect(() => fields('thing2:summary,__proto__:time,x')).toThrow(/WECHAT_MP_TEMPLATE_FIELDS: pairs like/);
    expect(fields('thing2:summary')).toEqual([['thing2', 'summary']]);
  });

  it('records an unsubscribe and keeps notifications until the resident is back', async () => {
    const me = openIdOf('leaving');
    await mp.say(me, '你好');
    expect((await mp.event(me, 'unsubscribe')).body).toBe('success');
    const resident = await h.services.db.resident.findFirstOrThrow({ where: { channel: 'wechat_mp', externalId: me }, include: { conversations: true } });
    expect(resident.unsubscribedAt).not.toBeNull();
    const key = `gone-${me}`;
    const { db, now } = h.services;
    await db.delivery.create({ data: { key, conversationId: resident.conversations[0]!.id, replies: [{ text: '您的案件已办结。' }], createdAt: now(), nextAttemptAt: now() } });
    await h.services.outbound.wechat_mp.add('deliver', { key, conversationId: resident.conversations[0]!.id, recipient: me, replies: [{ text: '您的案件已办结。' }] }, { jobId: key });
    await eventually(async () => ((await h.services.outbound.wechat_mp.getJobState(key)) === 'completed' ? true : undefined));
    expect([api.texts(me), api.templates(me)]).toEqual([[], []]);
    // Given up at once (staff are told, as for a blocked Telegram bot) and kept for the resident's return.
    expect(await db.delivery.findUniqueOrThrow({ where: { key } })).toMatchObject({ gaveUpAt: expect.any(Date), deliveredAt: null });
    const back = await mp.event(me, 'subscribe');
    expect(back.text.startsWith('您的案件已办结。')).toBe(true);
    await eventually(async () => ((await db.delivery.findUniqueOrThrow({ where: { key } })).deliveredAt ? true : undefined));
    expect((await h.services.db.resident.findFirstOrThrow({ where: { id: resident.id } })).unsubscribedAt).toBeNull();
  });
});

describe('WeChat Official Account, safe mode', () => {
  const clock = movableClock(INSTANTS.workingMorning);
  const api = new FakeWechatMp({ appId: APPID, secret: SECRET, now: clock.now });
  let h: Harness;
  const mp = platform(() => h, api, clock, { aesKey: AES_KEY });

  beforeAll(async () => {
    h = await startAccount(api, clock, { WECHAT_MP_AES_KEY: AES_KEY });
  });
  afterAll(() => stopAccount(h, api));

  it('decrypts messages and encrypts passive replies end to end', async () => {
    const me = openIdOf('aes');
    const welcome = await mp.event(me, 'subscribe');
    expect(welcome.status).toBe(200);
    expect(welcome.text).toContain('1. 反映问题');
    const help = await mp.say(me, '帮助');
    expect(help.text).toContain('使用方法');
  });

  it('refuses a wrong msg_signature, and plain messages while safe mode is on', async () => {
    const me = openIdOf('aesforged');
    const encrypted = platformEncrypt(AES_KEY, APPID, xmlOf({ ToUserName: ACCOUNT, FromUserName: me, CreateTime: mp.seconds(), MsgType: 'text', Content: '你好', MsgId: 5 }));
    const query = { ...mp.signedQuery(), encrypt_type: 'aes', msg_signature: sha1(TOKEN, 'x', 'y', encrypted) };
    const forged = await h.app.inject({ method: 'POST', url: `/wechat/mp?${new URLSearchParams(query)}`, headers: { 'content-type': 'text/xml' }, payload: xmlOf({ ToUserName: ACCOUNT, Encrypt: encrypted }) });
    expect(forged.statusCode).toBe(401);
    const plain = await h.app.inject({
      method: 'POST',
      url: `/wechat/mp?${new URLSearchParams(mp.signedQuery())}`,
      headers: { 'content-type': 'text/xml' },
      payload: xmlOf({ ToUserName: ACCOUNT, FromUserName: me, CreateTime: mp.seconds(), MsgType: 'text', Content: '你好', MsgId: 6 }),
    });
    expect(plain.statusCode).toBe(400);
    expect(await h.services.db.resident.count({ where: { externalId: me } })).toBe(0);
  });
});
