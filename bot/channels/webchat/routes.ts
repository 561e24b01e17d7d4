import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { RateLimiter } from '../../conversations/rate-limiter.js';
import type { Bot } from '../../dialogue/bot.js';
import { problem } from '../../http/problem.js';
import type { Mailbox } from './mailbox.js';

const id = z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, 'must be 1-64 characters of A-Za-z0-9_-');

const postBody = z
  .object({
    userId: id,
    text: z.string().optional(),
    payload: z.string().max(256).optional(),
    lang: z.enum(['zh', 'en']).optional(),
    /** Optional, for safe retries: the same messageId is answered once. */
    messageId: id.optional(),
  })
  .refine((b) => b.text !== undefined || b.payload !== undefined, 'text or payload is required');

const getQuery = z.object({
  userId: id,
  after: z.string().regex(/^\d+-\d+$/, 'must be a cursor returned by this API').optional(),
});

/** The web chat API of DESIGN.md §3: the channel adapter that needs no account. */
export async function webchatRoutes(
  app: FastifyInstance,
  opts: { bot: Bot; mailbox: Mailbox; perAddress: RateLimiter },
): Promise<void> {
  const { bot, mailbox, perAddress } = opts;
  const tooMany = { error: 'Too many messages; please wait a moment.' };

  app.post('/api/webchat/messages', async (req, reply) => {
    const body = postBody.safeParse(req.body);
    if (!body.success) return reply.code(400).send(problem(body.error));
    const { userId, text, payload, lang, messageId } = body.data;
    // One sender cycling through user ids is still one sender.
    if (!(await perAddress.allow(`webchat-ip:${req.ip}`))) return reply.code(429).header('retry-after', '10').send(tooMany);
    const result = await bot.handle({ channel: 'webchat', userId, text, payload, lang, messageId }, (replies) =>
      mailbox.append(userId, replies),
    );
    if (result.kind === 'limited') {
      return reply.code(429).header('retry-after', '10').send(tooMany);
    }
    return { replies: result.delivered };
  });

  app.get('/api/webchat/messages', async (req, reply) => {
    const query = getQuery.safeParse(req.query);
    if (!query.success) return reply.code(400).send(problem(query.error));
    return mailbox.read(query.data.userId, query.data.after);
  });
}
