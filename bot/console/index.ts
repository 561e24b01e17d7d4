import { readFileSync } from 'node:fs';
import { createBullBoard } from '@bull-board/api';
import { BullMQAdapter } from '@bull-board/api/bullMQAdapter';
import { FastifyAdapter } from '@bull-board/fastify';
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { caseActions } from '../../workers/cases/actions.js';
import { hotSpotsBetween } from '../../workers/cases/duplicates.js';
import { computeFigures, figuresText } from '../../workers/cases/figures.js';
import { isoDay } from '../../workers/routing/working-days.js';
import type { HandoffService } from '../handoff/service.js';
import type { ChatLinks } from './chat-links.js';
import { textsWithPrefix, type Lang } from '../i18n/index.js';
import type { Services } from '../platform/services.js';
import { adminRoutes } from './admin-routes.js';
import { consoleAuth, requireRole, staffOf } from './auth.js';
import { caseRoutes } from './cases-routes.js';
import { chatLinkRoutes } from './chat-link-routes.js';
import { badRequest } from './errors.js';
import { handoffRoutes } from './handoff-routes.js';

const PAGE_CSP = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; form-action 'self'; base-uri 'none'";
const range = z.object({ from: isoDay, to: isoDay, lang: z.enum(['zh', 'en']).default('zh') }).refine((r) => r.from <= r.to, 'from must not be after to');

function asset(name: string): string {
  return readFileSync(new URL(`./public/${name}`, import.meta.url), 'utf8');
}

/** The page's texts: the console's own, plus case statuses and satisfaction labels. */
function pageStrings(): string {
  const pick = (prefix: string, as: string, lang: Lang) =>
    Object.fromEntries(Object.entries(textsWithPrefix(prefix)[lang]).map(([k, v]) => [`${as}${k}`, v]));
  const strings = Object.fromEntries(
    (['zh', 'en'] as const).map((lang) => [lang, { ...pick('desk.', '', lang), ...pick('caseStatus.', 'status.', lang), ...pick('sat.', 'sat.', lang) }]),
  );
  return JSON.stringify(strings).replaceAll('<', '\\u003c');
}

/**
 * The staff console under /console: the page, its JSON API under /console/api/ (sign-in, cases,
 * handoffs, figures), and the BullMQ dashboard for admins under /console/queues.
 */
export async function consoleRoutes(app: FastifyInstance, opts: { services: Services; handoff: HandoffService; chatLinks: ChatLinks }): Promise<void> {
  const { services, handoff } = opts;
  const { db, config } = services;
  await consoleAuth(app, services);

  const page = asset('desk.html').replace('__DESK_STRINGS__', pageStrings());
  const [script, style] = [asset('desk.js'), asset('desk.css')];
  app.get('/console', (_req, reply) => reply.type('text/html; charset=utf-8').header('content-security-policy', PAGE_CSP).send(page));
  app.get('/console/desk.js', (_req, reply) => reply.type('text/javascript; charset=utf-8').send(script));
  app.get('/console/desk.css', (_req, reply) => reply.type('text/css; charset=utf-8').send(style));

  const actions = caseActions({ ...services, now: () => new Date() });
  await app.register(caseRoutes, { db, config, actions, staffOf });
  await app.register(handoffRoutes, { db, redis: services.redis, config, handoff, staffOf });
  await app.register(adminRoutes, { db, staffOf });

  // The office's figures (JSON), and what the dashboard draws.
  app.get('/console/api/figures', async (req, reply) => {
    const query = range.safeParse(req.query);
    if (!query.success) return badRequest(reply, query.error);
    const figures = await computeFigures(db, { ...query.data, timeZone: config.TIMEZONE });
    return { figures, text: figuresText(figures, query.data.lang) };
  });
  app.get('/console/api/dashboard', async (req, reply) => {
    const query = range.safeParse(req.query);
    if (!query.success) return badRequest(reply, query.error);
    const { from, to, lang } = query.data;
    const figures = await computeFigures(db, { from, to, timeZone: config.TIMEZONE });
    const hotspots = await hotSpotsBetween(db, config, from, to);
    const rows = (list: typeof figures.byTopic) => list.slice(0, 12).map((r) => ({ label: r.label ?? '—', received: r.received, closed: r.closed }));
    return {
      summary: figuresText(figures, lang),
      cards: { ...figures.totals, satisfactionRate: figures.satisfaction.rate },
      daily: figures.daily,
      byTopic: rows(figures.byTopic),
      byRegion: rows(figures.byRegion),
      satisfaction: figures.satisfaction,
      hotspots,
    };
  });

  await app.register(chatLinkRoutes, { chatLinks: opts.chatLinks, staffOf });

  // Behind the guard, so an anonymous caller learns nothing about which API paths exist.
  app.all('/console/api/*', (_req, reply) => reply.code(404).send({ error: 'Not found' }));

  // Queue dashboard, admins only (the console guard has already required a signed-in member of staff).
  const board = new FastifyAdapter();
  createBullBoard({ queues: Object.values(services.queues).map((q) => new BullMQAdapter(q, { readOnlyMode: false })), serverAdapter: board });
  board.setBasePath('/console/queues');
  await app.register(async (scope) => {
    scope.addHook('onRequest', requireRole('admin'));
    await scope.register(board.registerPlugin(), { prefix: '/console/queues' });
  });
}
