import { createReadStream } from 'node:fs';
import cookie from '@fastify/cookie';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { cleanText } from '../../conversations/clean-text.js';
import type { RateLimiter } from '../../conversations/rate-limiter.js';
import type { Bot } from '../../dialogue/bot.js';
import { problem } from '../../http/problem.js';
import type { Mailbox, MailboxMessage } from './mailbox.js';
import type { Lang } from '../../../core/i18n/index.js';
import type { Reply } from '../../../core/messages.js';
import type { WebchatSessions } from './sessions.js';
import { isUuid } from '../../../core/platform/ids.js';

export const WEBCHAT_COOKIE = 'tm_webchat';
// Browsers cap a cookie's life at 400 days; a resident's page keeps its conversation that long.
const COOKIE_MAX_AGE = 400 * 24 * 3600;

const sessionBody = z.object({ lang: z.enum(['zh', 'en']).optional() }).optional();

const postBody = z
  .object({
    text: z.string().optional(),
    payload: z.string().max(256).optional(),
    lang: z.enum(['zh', 'en']).optional(),
    /** Optional, for safe retries: the same messageId is answered once. */
    messageId: z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, 'must be 1-64 characters of A-Za-z0-9_-').optional(),
  })
  .refine((b) => b.text !== undefined || b.payload !== undefined, 'text or payload is required');

const getQuery = z.object({
  // Bounded so that Redis never sees a stream id it cannot read (it fails on more than 64 bits).
  after: z.string().regex(/^\d{1,15}-\d{1,15}$/, 'must be a cursor returned by this API').optional(),
});

/** The token a request carries: `Authorization: Bearer …` for API clients, else the page's cookie. */
function tokenOf(req: FastifyRequest): string | undefined {
  const auth = req.headers.authorization;
  if (auth !== undefined) return /^Bearer ([^\s]+)$/.exec(auth)?.[1];
  return req.cookies[WEBCHAT_COOKIE];
}

/** The web chat API (README, Web chat API): the channel adapter that needs no account, only a token the server issued. */
export async function webchatRoutes(
  app: FastifyInstance,
  opts: { bot: Bot; mailbox: Mailbox; sessions: WebchatSessions; perAddress: RateLimiter; files: ResidentFiles },
): Promise<void> {
  const { bot, mailbox, sessions, perAddress, files } = opts;
  await app.register(cookie);
  const tooMany = (reply: FastifyReply) => reply.code(429).header('retry-after', '10').send({ error: 'Too many messages; please wait a moment.' });
  const unauthorized = (reply: FastifyReply) =>
    reply.code(401).send({ error: 'A web chat token is required: create one with POST /api/webchat/sessions.' });

  app.post('/api/webchat/sessions', { config: { docs: { body: sessionBody } } }, async (req, reply) => {
    const body = sessionBody.safeParse(req.body);
    if (!body.success) return reply.code(400).send(problem(body.error));
    if (!(await perAddress.allow(`webchat-session-ip:${req.ip}`))) return tooMany(reply);
    const { token, userId } = await sessions.create(body.data?.lang);
    await mailbox.opened(userId);
    return reply
      .code(201)
      .header('cache-control', 'no-store')
      .setCookie(WEBCHAT_COOKIE, token, { path: '/api/webchat', httpOnly: true, sameSite: 'strict', secure: req.protocol === 'https', maxAge: COOKIE_MAX_AGE })
      .send({ token });
  });

  // Sign-out: the token stops working in every process (within a minute if it could not be announced); the resident's conversation and cases stay.
  // Counted against the address as a message is, before PostgreSQL is asked about the token.
  app.delete('/api/webchat/sessions', async (req, reply) => {
    if (!(await perAddress.allow(`webchat-ip:${req.ip}`))) return tooMany(reply);
    if (!(await sessions.revoke(tokenOf(req)))) return unauthorized(reply);
    return reply.code(204).clearCookie(WEBCHAT_COOKIE, { path: '/api/webchat' }).send();
  });

  app.post('/api/webchat/messages', { config: { docs: { body: postBody } } }, async (req, reply) => {
    // One sender cycling through tokens is still one sender: every request counts against its
    // address, before anything is looked up in PostgreSQL. A token this process knows costs no
    // lookup, so its message is counted in the turn's own round trip (Bot.handle).
    const address = `webchat-ip:${req.ip}`;
    const token = tokenOf(req);
    const known = sessions.known(token);
    if (!known && !(await perAddress.allow(address))) return tooMany(reply);
    const userId = known ?? (await sessions.residentOf(token));
    if (!userId) return unauthorized(reply);
    const body = postBody.safeParse(req.body);
    if (!body.success) {
      if (known && !(await perAddress.allow(address))) return tooMany(reply);
      return reply.code(400).send(problem(body.error));
    }
    const { text, payload, lang, messageId } = body.data;
    const inbound = { channel: 'webchat' as const, userId, lang, messageId, text: text === undefined ? undefined : cleanText(text), payload: payload === undefined ? undefined : cleanText(payload) };
    // The page's history keeps the resident's own message, then the answers in their language.
    const mine = { from: 'resident' as const, text: inbound.text ?? '', ...(inbound.payload !== undefined && { payload: inbound.payload }) };
    let answered: MailboxMessage[] = [];
    const deliver = async (replies: Reply[], lang: Lang) => {
      answered = await mailbox.append(userId, [mine, ...replies.map((r) => ({ ...r, lang }))]);
      // A repeat of this message is answered from the mailbox: only the ids are remembered (Redis
      // holds one such record per message for a day; the texts would take most of its memory).
      return answered.map((m) => m.id);
    };
    const result = await bot.handle(inbound, deliver, known ? [perAddress.count(address)] : []);
    if (result.kind === 'limited') return tooMany(reply);
    // A repeat whose answer the mailbox no longer holds gets none here: the page's history has it.
    // A repeat remembered by an earlier version (within a day of an upgrade) holds the answer itself.
    const remembered: unknown[] = result.kind === 'ok' ? [] : result.delivered;
    const [sent, ...replies] =
      result.kind === 'ok' ? answered : remembered.every((r) => typeof r === 'string') ? ((await mailbox.entries(userId, result.delivered)) ?? []) : (remembered as MailboxMessage[]);
    return { replies, sent: sent && { id: sent.id, at: sent.at } };
  });

  app.get('/api/webchat/messages', { config: { docs: { querystring: getQuery } } }, async (req, reply) => {
    const userId = await sessions.residentOf(tokenOf(req));
    if (!userId) return unauthorized(reply);
    const query = getQuery.safeParse(req.query);
    if (!query.success) return reply.code(400).send(problem(query.error));
    return mailbox.read(userId, query.data.after);
  });

  // A file sent to this resident (a resolution's evidence); anyone else's is "not found".
  app.get<{ Params: { id: string } }>('/api/webchat/files/:id', async (req, reply) => {
    const userId = await sessions.residentOf(tokenOf(req));
    if (!userId) return unauthorized(reply);
    const file = isUuid(req.params.id) ? await files(userId, req.params.id) : null;
    if (!file) return reply.code(404).send({ error: 'no such file' });
    // Photos are shown in the page; a PDF is downloaded, never rendered as a page of this origin.
    return reply
      .type(file.mimeType)
      .header('x-content-type-options', 'nosniff')
      .header('cache-control', 'private, max-age=86400')
      .header('content-disposition', `${file.mimeType.startsWith('image/') ? 'inline' : 'attachment'}; filename="${req.params.id}"`)
      .send(createReadStream(file.path));
  });
}

/** Where a file sent to a web chat resident is, when it was sent to them. */
export type ResidentFiles = (userId: string, fileId: string) => Promise<{ path: string; mimeType: string } | null>;
