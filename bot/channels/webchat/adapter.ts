import { readFileSync } from 'node:fs';
import type { FastifyInstance } from 'fastify';
import { textsWithPrefix } from '../../../core/i18n/index.js';
import type { Db } from '../../../core/platform/db.js';
import type { AttachmentStore } from '../../conversations/attachments.js';
import type { RateLimiter } from '../../conversations/rate-limiter.js';
import type { Bot } from '../../dialogue/bot.js';
import type { ChannelAdapter } from '../adapter.js';
import type { Mailbox } from './mailbox.js';
import { webchatRoutes, type ResidentFiles } from './routes.js';
import type { WebchatSessions } from './sessions.js';

const PAGE_CSP = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'";

function asset(name: string): string {
  return readFileSync(new URL(`./public/${name}`, import.meta.url), 'utf8');
}

/** The web chat: the page at `/` and its API; a queued message waits in the resident's mailbox. */
export function webchatChannel(deps: {
  bot: Bot;
  mailbox: Mailbox;
  sessions: WebchatSessions;
  perAddress: RateLimiter;
  db: Db;
  attachments: AttachmentStore;
}): ChannelAdapter {
  // Evidence of the resident's own case, once a resolution carrying it was sent to them.
  const files: ResidentFiles = async (userId, id) => {
    const file = await deps.db.attachment.findFirst({
      where: {
        id,
        case: {
          resident: { channel: 'webchat', externalId: userId },
          events: { some: { type: { in: ['resolved', 'review_approved'] }, data: { path: ['evidence'], array_contains: [{ id }] } } },
        },
      },
    });
    return file && { path: deps.attachments.pathOf(file.sha256), mimeType: file.mimeType };
  };
  // The page's texts come from the language files; a JSON data block is allowed by the CSP.
  const page = asset('index.html').replace('__TM_STRINGS__', JSON.stringify(textsWithPrefix('page.')).replaceAll('<', '\\u003c'));
  const [script, style] = [asset('chat.js'), asset('chat.css')];
  return {
    name: 'webchat',
    deliver: (userId, replies, key) => deps.mailbox.deliver(userId, replies, key),
    async routes(app: FastifyInstance) {
      app.get('/', (_req, reply) => reply.type('text/html; charset=utf-8').header('content-security-policy', PAGE_CSP).send(page));
      app.get('/webchat/chat.js', (_req, reply) => reply.type('text/javascript; charset=utf-8').send(script));
      app.get('/webchat/chat.css', (_req, reply) => reply.type('text/css; charset=utf-8').send(style));
      await app.register(webchatRoutes, { ...deps, files });
    },
  };
}
