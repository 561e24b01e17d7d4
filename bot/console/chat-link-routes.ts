import type { FastifyInstance, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { Channel } from '../../core/platform/db.js';
import type { ConsoleStaff } from './guard.js';
import type { ChatLinks } from './chat-links.js';
import { badRequest, refuse } from './errors.js';

/** The chat account the staff member was shown and confirms (not just "whatever is pending now"). */
const confirmBody = z.object({ channel: z.enum(Channel), userId: z.string().min(1).max(200) });

/**
 * Linking the signed-in staff member's chat account for staff commands in chat: a one-time code
 * to send to the bot, what is linked and waiting, and the confirmation that makes a link work.
 */
export async function chatLinkRoutes(app: FastifyInstance, opts: { chatLinks: ChatLinks; staffOf: (req: FastifyRequest) => ConsoleStaff }): Promise<void> {
  const { chatLinks, staffOf } = opts;
  app.post('/console/api/me/chat-link', async (req) => chatLinks.issue(staffOf(req).id));
  app.get('/console/api/me/chat-link', async (req) => chatLinks.state(staffOf(req).id));
  app.post('/console/api/me/chat-link/confirm', { config: { docs: { body: confirmBody } } }, async (req, reply) => {
    const body = confirmBody.safeParse(req.body);
    if (!body.success) return badRequest(reply, body.error);
    if (!(await chatLinks.confirm(staffOf(req).id, body.data))) return refuse(reply, 409, 'no such link request; get a new code', 'staffError.chatLinkGone');
    return chatLinks.state(staffOf(req).id);
  });
}
