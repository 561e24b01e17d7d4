import type { FastifyInstance, FastifyRequest } from 'fastify';
import { z } from 'zod';
import type { StaffActor } from '../../workers/cases/actions.js';
import { liveChannel, type HandoffService, type LiveEvent } from '../handoff/service.js';
import type { Config } from '../platform/config.js';
import type { Db } from '../platform/db.js';
import type { AppRedis } from '../platform/redis.js';
import { sendRefusal } from './errors.js';

const body = z.object({
  text: z.string().optional(),
  staffId: z.string().optional(),
  number: z.string().optional(),
  description: z.string().optional(),
  topic: z.string().nullish(),
  regionCode: z.string().nullish(),
  placeText: z.string().nullish(),
});

/** The office (supervisors, admins) sees the whole queue; a handler only what was handed to them. */
function inbox(staff: StaffActor) {
  return staff.role === 'handler' ? { staffId: staff.id, status: 'held' as const } : { status: { in: ['waiting' as const, 'held' as const] } };
}

/**
 * The console's handoff API: the inbox, a conversation with everything said, and claim, say,
 * transfer, release, file a report, link a case. `/console/api/stream` pushes live events
 * (server-sent events) from every process through Redis pub/sub.
 */
export async function handoffRoutes(
  app: FastifyInstance,
  opts: { db: Db; redis: AppRedis; config: Config; handoff: HandoffService; staffOf: (req: FastifyRequest) => StaffActor },
): Promise<void> {
  const { db, handoff, staffOf } = opts;
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
    const messages = await db.message.findMany({
      where: { conversationId: found.conversationId },
      orderBy: { at: 'asc' },
      select: { id: true, direction: true, text: true, author: true, at: true },
      take: 500,
    });
    return { handoff: found, messages };
  });

  app.post<{ Params: { id: string; action: string } }>('/console/api/handoffs/:id/:action', async (req, reply) => {
    const staff = staffOf(req);
    const input = body.safeParse(req.body ?? {});
    if (!input.success) return reply.code(400).send({ error: 'bad request body' });
    const { text = '', staffId = '', number = '' } = input.data;
    const id = req.params.id;
    // A Map: the action comes from the URL, and "constructor" must not find Object's.
    const actions = new Map<string, () => Promise<unknown>>([
      ['claim', () => handoff.claim(id, staff)],
      ['say', () => handoff.say(id, staff, text)],
      ['transfer', () => handoff.transfer(id, staff, staffId)],
      ['release', () => handoff.release(id, staff)],
      ['report', async () => ({ submissionId: await handoff.fileReport(id, staff, input.data) })],
      ['link', () => handoff.linkCase(id, staff, number)],
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
    const subscriber = opts.redis.duplicate();
    await subscriber.connect();
    reply.hijack();
    const res = reply.raw;
    res.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-store', connection: 'keep-alive', 'x-accel-buffering': 'no' });
    const mine = new Set((await db.handoff.findMany({ where: { staffId: staff.id, status: 'held' }, select: { id: true } })).map((h) => h.id));
    await subscriber.subscribe(liveChannel(opts.config.REDIS_PREFIX), (raw) => {
      const event = JSON.parse(raw) as LiveEvent;
      // A handler hears only the conversations handed to them.
      if (staff.role === 'handler') {
        if (event.type === 'handoff.transferred' && event.staffId === staff.id) mine.add(event.handoffId);
        if (!mine.has(event.handoffId)) return;
      }
      res.write(`event: ${event.type}\ndata: ${raw}\n\n`);
    });
    // Only now do the headers go out: the page's "open" means nothing said from here on is missed.
    res.write(': connected\n\n');
    // Proxies close quiet connections; a comment every 25 s keeps it open.
    const beat = setInterval(() => res.write(': keep-alive\n\n'), 25_000);
    const end = () => {
      if (!streams.delete(end)) return;
      clearInterval(beat);
      res.end();
      void subscriber.quit().catch(() => undefined);
    };
    streams.add(end);
    req.raw.on('close', end);
  });
}
