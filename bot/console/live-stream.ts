import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { StaffActor } from '../../core/cases/actions.js';
import { liveChannel, type LiveEvent } from '../../core/handoff/service.js';
import type { Config } from '../../core/platform/config.js';
import type { Db } from '../../core/platform/db.js';
import type { Logger } from '../../core/platform/log.js';
import type { AppRedis } from '../../core/platform/redis.js';
import { refuse } from './errors.js';
import { sessionOf } from './guard.js';
import { endedSchema, type ConsoleSessions } from './sessions.js';

const MAX_STREAMS_PER_SESSION = 3;
const STREAM_COUNT_SECONDS = 60;

/**
 * `/console/api/stream`: live events (server-sent events) from every process through Redis
 * pub/sub, each checked, when it is sent, against who holds the conversation and whether the
 * sign-in is still good.
 */
export async function liveStreamRoutes(
  app: FastifyInstance,
  opts: { db: Db; redis: AppRedis; config: Config; log: Logger; sessions: ConsoleSessions; staffOf: (req: FastifyRequest) => StaffActor },
): Promise<void> {
  const { db, redis, sessions, staffOf } = opts;
  // Open event streams, ended when the server closes so that shutdown does not wait on them.
  const streams = new Set<() => void>();
  app.addHook('onClose', async () => streams.forEach((end) => end()));

  app.get('/console/api/stream', async (req, reply) => {
    const staff = staffOf(req);
    const session = sessionOf(req);
    // Each stream holds a Redis connection: a few per sign-in (tabs), no more. The count expires
    // unless its streams' heartbeats renew it, so a crashed process does not leave it high.
    const countKey = `${opts.config.REDIS_PREFIX}:console:streams:${session.handle}`;
    const [count] = await redis.multi().incr(countKey).expire(countKey, STREAM_COUNT_SECONDS).exec();
    if (Number(count) > MAX_STREAMS_PER_SESSION) {
      await redis.decr(countKey);
      return refuse(reply.header('retry-after', String(STREAM_COUNT_SECONDS)), 429, `at most ${MAX_STREAMS_PER_SESSION} live streams per sign-in`, 'staffError.tooManyStreams');
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
