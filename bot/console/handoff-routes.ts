import type { FastifyInstance, FastifyRequest } from 'fastify';
import { z } from 'zod';
import type { StaffActor } from '../../core/cases/actions.js';
import { buttonSchema } from '../../core/messages.js';
import { heardText } from '../../core/handoff/heard.js';
import { HandoffError, liveChannel, type HandoffService, type LiveEvent } from '../../core/handoff/service.js';
import type { Config } from '../../core/platform/config.js';
import type { Db } from '../../core/platform/db.js';
import type { Logger } from '../../core/platform/log.js';
import type { AppRedis } from '../../core/platform/redis.js';
import { visibleTo } from './cases-routes.js';
import { sendRefusal } from './errors.js';
import { sessionOf } from './guard.js';
import { endedSchema, type ConsoleSessions } from './sessions.js';

const body = z.object({
  text: z.string().optional(),
  staffId: z.string().optional(),
  number: z.string().optional(),
  description: z.string().optional(),
  topic: z.string().nullish(),
  regionCode: z.string().nullish(),
  placeText: z.string().nullish(),
});

const buttonList = z.array(buttonSchema);

const MAX_STREAMS_PER_SESSION = 3;
const STREAM_COUNT_SECONDS = 60;

/** The office (supervisors, admins) sees the whole queue; a handler only what was handed to them. */
function inbox(staff: StaffActor) {
  return staff.role === 'handler' ? { staffId: staff.id, status: 'held' as const } : { status: { in: ['waiting' as const, 'held' as const] } };
}

/**
 * The console's handoff API: the inbox, a conversation with everything said, and claim, say,
 * transfer, release, file a report, link a case. `/console/api/stream` pushes live events
 * (server-sent events) from every process through Redis pub/sub, each checked against who
 * holds the conversation and whether the sign-in is still good when it is sent.
 */
export async function handoffRoutes(
  app: FastifyInstance,
  opts: { db: Db; redis: AppRedis; config: Config; log: Logger; handoff: HandoffService; sessions: ConsoleSessions; staffOf: (req: FastifyRequest) => StaffActor },
): Promise<void> {
  const { db, redis, handoff, sessions, staffOf } = opts;
  // Open event streams, ended when the server closes so that shutdown does not wait on them.
  const streams = new Set<() => void>();
  app.addHook('onClose', async () => streams.forEach((end) => end()));

  app.get('/console/api/handoffs', async (req) => {
    const handoffs = await db.handoff.findMany({
      where: inbox(staffOf(req)),
      orderBy: { requestedAt: 'asc' },
      include: { staff: { select: { id: true, username: true, displayName: true } }, resident: { select: { channel: true, language: true } } },
    });
    return { handoffs };
  });

  app.get<{ Params: { id: string } }>('/console/api/handoffs/:id', async (req, reply) => {
    const staff = staffOf(req);
    const found = z.string().uuid().safeParse(req.params.id).success
      ? await db.handoff.findUnique({ where: { id: req.params.id }, include: { resident: { select: { channel: true, language: true } } } })
      : null;
    if (!found || (staff.role === 'handler' && found.staffId !== staff.id)) return reply.code(404).send({ error: 'no such conversation' });
    // Everything said with this resident in this conversation, the bot's part included.
    const logged = await db.message.findMany({
      where: { conversationId: found.conversationId },
      orderBy: { at: 'asc' },
      select: { id: true, direction: true, text: true, payload: true, buttons: true, author: true, at: true },
      take: 500,
    });
    // A tapped button is logged as its payload: it reads as the label the resident saw.
    const labels = new Map<string, string>();
    const messages = logged.map(({ payload, buttons, ...message }) => {
      for (const b of buttonList.safeParse(buttons).data ?? []) labels.set(b.payload, b.label);
      return message.direction === 'inbound' ? { ...message, text: heardText(found.resident.language, { text: message.text, payload }, labels) } : message;
    });
    return { handoff: found, messages };
  });

  app.post<{ Params: { id: string; action: string } }>('/console/api/handoffs/:id/:action', async (req, reply) => {
    const staff = staffOf(req);
    const input = body.safeParse(req.body ?? {});
    if (!input.success) return reply.code(400).send({ error: 'bad request body' });
    const { text = '', staffId = '', number = '' } = input.data;
    const id = req.params.id;
    // A Map: an action named after an Object.prototype member ("constructor") is simply unknown.
    const actions = new Map<string, () => Promise<unknown>>([
      ['claim', () => handoff.claim(id, staff)],
      ['say', () => handoff.say(id, staff, text)],
      ['transfer', () => handoff.transfer(id, staff, staffId)],
      ['release', () => handoff.release(id, staff)],
      ['report', async () => ({ submissionId: await handoff.fileReport(id, staff, input.data) })],
      [
        'link',
        async () => {
          // Another department's case does not exist for a handler, here as in the case API.
          const visible = await db.case.count({ where: { number: number.trim().toUpperCase(), ...visibleTo(staff) } });
          if (!visible) throw new HandoffError('not_found', 'no such case');
          return handoff.linkCase(id, staff, number);
        },
      ],
    ]);
    const run = actions.get(req.params.action);
    if (!run) return reply.code(404).send({ error: 'no such action' });
    try {
      return { ok: true, result: (await run()) ?? null };
    } catch (err) {
      return sendRefusal(reply, err);
    }
  });

  // Colleagues a conversation can be handed to.
  app.get('/console/api/staff', async () => ({
    staff: await db.staff.findMany({ where: { disabled: false }, orderBy: { username: 'asc' }, select: { id: true, username: true, displayName: true, role: true, departmentId: true } }),
  }));

  app.get('/console/api/stream', async (req, reply) => {
    const staff = staffOf(req);
    const session = sessionOf(req);
    // Each stream holds a Redis connection: a few per sign-in (tabs), no more. The count expires
    // unless its streams' heartbeats renew it, so a crashed process does not leave it high.
    const countKey = `${opts.config.REDIS_PREFIX}:console:streams:${session.handle}`;
    const [count] = await redis.multi().incr(countKey).expire(countKey, STREAM_COUNT_SECONDS).exec();
    if (Number(count) > MAX_STREAMS_PER_SESSION) {
      await redis.decr(countKey);
      return reply.code(429).header('retry-after', String(STREAM_COUNT_SECONDS)).send({ error: `at most ${MAX_STREAMS_PER_SESSION} live streams per sign-in` });
    }
    const subscriber = redis.duplicate();
    subscriber.on('error', (err: Error) => opts.log.warn({ err: err.message }, 'console live stream: redis connection error'));
    try {
      await subscriber.connect();
    } catch (err) {
      await redis.decr(countKey);
      throw err;
    }
    reply.hijack();
    const res = reply.raw;
    res.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-store', connection: 'keep-alive', 'x-accel-buffering': 'no' });
    let beat: NodeJS.Timeout | undefined;
    const end = () => {
      if (!streams.delete(end)) return;
      clearInterval(beat);
      res.end();
      void redis.decr(countKey).catch(() => undefined);
      void subscriber.quit().catch(() => undefined);
    };
    streams.add(end);
    req.raw.on('close', end);

    // The sign-in and the account are checked again for every event: access is what it is now, not at connection.
    const stillSignedIn = async () => {
      const [alive, active] = await Promise.all([sessions.alive(session.handle), db.staff.count({ where: { id: staff.id, disabled: false } })]);
      if (!alive || !active) end();
      return alive && active > 0;
    };
    // A handler hears the conversations they hold now, and that one has left them (never what is said in it after).
    const mine = new Set<string>();
    const audible = async (event: LiveEvent) => {
      if (!(await stillSignedIn())) return false;
      if (staff.role !== 'handler') return true;
      const now = await db.handoff.findUnique({ where: { id: event.handoffId }, select: { staffId: true, status: true } });
      if (now?.status === 'held' && now.staffId === staff.id) {
        mine.add(event.handoffId);
        return true;
      }
      return event.type !== 'handoff.message' && mine.delete(event.handoffId);
    };
    let sending = Promise.resolve();
    // Subscribing to a connection that a closed stream has just quit fails: nothing is left to do then.
    const subscribe = (channel: string, listener: (raw: string) => void) => subscriber.subscribe(channel, listener).catch(() => undefined);
    await subscribe(liveChannel(opts.config.REDIS_PREFIX), (raw) => {
      // One at a time, so that events go out in the order they were published.
      sending = sending.then(async () => {
        const event = JSON.parse(raw) as LiveEvent;
        if (streams.has(end) && (await audible(event))) res.write(`event: ${event.type}\ndata: ${raw}\n\n`);
      }).catch((err: Error) => opts.log.warn({ err: err.message }, 'console live event not delivered'));
    });
    // Logout, a disabled account or a password reset, in any process, closes the stream at once.
    await subscribe(sessions.endedChannel, (raw) => {
      const ended = endedSchema.safeParse(JSON.parse(raw));
      if (ended.success && ('handle' in ended.data ? ended.data.handle === session.handle : ended.data.staffId === staff.id)) end();
    });
    for (const h of await db.handoff.findMany({ where: { staffId: staff.id, status: 'held' }, select: { id: true } })) mine.add(h.id);
    if (!streams.has(end)) return;
    // Only now do the headers go out: the page's "open" means nothing said from here on is missed.
    res.write(': connected\n\n');
    // Proxies close quiet connections; a comment every 25 s keeps it open (and the stream count alive).
    beat = setInterval(() => {
      res.write(': keep-alive\n\n');
      void redis.expire(countKey, STREAM_COUNT_SECONDS).catch(() => undefined);
      void stillSignedIn().catch(() => undefined);
    }, 25_000);
  });
}
