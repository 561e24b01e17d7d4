import { readFileSync } from 'node:fs';
import { createBullBoard } from '@bull-board/api';
import { BullMQAdapter } from '@bull-board/api/bullMQAdapter';
import { FastifyAdapter } from '@bull-board/fastify';
import cookie from '@fastify/cookie';
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { caseActions, departmentScope } from '../../core/cases/actions.js';
import { hotSpotsBetween } from '../../core/cases/duplicates.js';
import { computeFigures, figuresText, rowLabel } from '../../core/cases/figures.js';
import { isoDay } from '../../core/routing/working-days.js';
import type { HandoffService } from '../../core/handoff/service.js';
import type { ChatLinks } from './chat-links.js';
import { textsWithPrefix, type Lang } from '../../core/i18n/index.js';
import type { Config } from '../../core/platform/config.js';
import type { Db } from '../../core/platform/db.js';
import type { Services } from '../../core/platform/services.js';
import { faqRoutes } from './faq-routes.js';
import { Faq } from '../../core/faq/faq.js';
import { adminRoutes } from './admin-routes.js';
import { alertContactRoutes } from './alert-routes.js';
import { rankingRoutes } from './ranking-routes.js';
import { projectRoutes } from './project-routes.js';
import { projectFigures } from '../../core/projects/progress.js';
import { supervisionProjects } from '../../core/projects/projects.js';
import { localDate } from '../../core/routing/working-days.js';
import type { Clock } from '../../core/platform/clock.js';
import { modelRoutes } from './model-routes.js';
import { templateRoutes } from './template-routes.js';
import { similarRoutes } from './similar-routes.js';
import { consoleAuth, sessionRoutes } from './auth.js';
import { caseRoutes } from './cases-routes.js';
import { chatLinkRoutes } from './chat-link-routes.js';
import { badRequest, refuse } from './errors.js';
import { refuseCrossSite, requireRole, requireStaff, staffOf } from './guard.js';
import { handoffRoutes } from './handoff-routes.js';
import { liveStreamRoutes } from './live-stream.js';
import { ConsoleSessions } from './sessions.js';

const PAGE_CSP = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; form-action 'self'; base-uri 'none'";
const range = z.object({ from: isoDay, to: isoDay, lang: z.enum(['zh', 'en']).default('zh') }).refine((r) => r.from <= r.to, 'from must not be after to');

const PAGE_SCRIPTS = ['admin-alerts.js', 'ranking.js', 'templates.js', 'projects.js', 'model.js', 'similar.js'];

function asset(name: string): string {
  return readFileSync(new URL(`./public/${name}`, import.meta.url), 'utf8');
}

/** The page's texts: the console's own, plus case statuses and satisfaction labels. */
function pageStrings(): string {
  const pick = (prefix: string, as: string, lang: Lang) =>
    Object.fromEntries(Object.entries(textsWithPrefix(prefix)[lang]).map(([k, v]) => [`${as}${k}`, v]));
  const strings = Object.fromEntries(
    (['zh', 'en'] as const).map((lang) => [lang, { ...pick('desk.', '', lang), ...pick('caseStatus.', 'status.', lang), ...pick('sat.', 'sat.', lang), ...pick('staffError.', 'staffError.', lang) }]),
  );
  return JSON.stringify(strings).replaceAll('<', '\\u003c');
}

/** The queue dashboard's page: its own scripts and styles (inline style attributes included), nothing from elsewhere, never framed. */
const QUEUES_CSP = "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; font-src 'self'; connect-src 'self'; frame-ancestors 'none'; form-action 'none'; base-uri 'self'";
const EXTERNAL_FONTS = /<link[^>]*fonts\.googleapis\.com[^>]*>/g;

/**
 * The staff console under /console: the page and sign-in (public), and everything else (its JSON
 * API under /console/api/, the BullMQ dashboard for admins under /console/queues) registered in
 * one encapsulated context whose hook requires a signed-in member of staff. The guard belongs to
 * the routes, so no spelling of a URL reaches them without it.
 */
export async function consoleRoutes(app: FastifyInstance, opts: { services: Services; handoff: HandoffService; chatLinks: ChatLinks }): Promise<void> {
  const { services, handoff } = opts;
  const { db, config } = services;
  const sessions = ConsoleSessions.of(services);
  await app.register(cookie);
  app.decorateRequest('staff', null);
  app.decorateRequest('consoleSession', null);
  app.addHook('onRequest', refuseCrossSite);

  const page = asset('desk.html').replace('__DESK_STRINGS__', pageStrings());
  const [script, style, faqScript] = [asset('desk.js'), asset('desk.css'), asset('faq.js')];
  app.get('/console', (_req, reply) => reply.type('text/html; charset=utf-8').header('content-security-policy', PAGE_CSP).send(page));
  app.get('/console/desk.js', (_req, reply) => reply.type('text/javascript; charset=utf-8').send(script));
  app.get('/console/faq.js', (_req, reply) => reply.type('text/javascript; charset=utf-8').send(faqScript));
  app.get('/console/desk.css', (_req, reply) => reply.type('text/css; charset=utf-8').send(style));
  // Pages kept in files of their own (desk.js shows their sections and lends them its helpers).
  for (const name of PAGE_SCRIPTS) {
    const code = asset(name);
    app.get(`/console/${name}`, (_req, reply) => reply.type('text/javascript; charset=utf-8').send(code));
  }
  await consoleAuth(app, { ...services, sessions });

  await app.register(async (signedIn) => {
    signedIn.addHook('onRequest', requireStaff(db, sessions));
    // Answers carry residents' words and phone numbers: never kept by a browser or proxy.
    signedIn.addHook('onSend', async (_req, reply) => {
      reply.header('cache-control', 'no-store');
    });
    await signedIn.register(sessionRoutes, { config, sessions });
    const actions = caseActions(services);
    await signedIn.register(caseRoutes, { db, config, actions, staffOf });
    await signedIn.register(handoffRoutes, { db, handoff, now: services.now, staffOf });
    await signedIn.register(liveStreamRoutes, { db, redis: services.redis, config, log: services.log, sessions, staffOf });
    await signedIn.register(adminRoutes, { db, sessions, staffOf });
    await signedIn.register(alertContactRoutes, { db, config });
    await signedIn.register(modelRoutes, { db, queues: services.queues, staffOf });
    await signedIn.register(rankingRoutes, { db, config, now: services.now });
    await signedIn.register(templateRoutes, { db, config, now: services.now, staffOf });
    await signedIn.register(similarRoutes, { sql: services.sql, staffOf });
    await signedIn.register(faqRoutes, { faq: new Faq(db, services.redis, config.REDIS_PREFIX, services.now, config.FAQ_MATCH_THRESHOLD), db, now: services.now });
    await signedIn.register(figureRoutes, { db, config, now: services.now });
    await signedIn.register(projectRoutes, { projects: supervisionProjects({ db, queues: services.queues, now: services.now, timeZone: config.TIMEZONE }), staffOf });

    // A one-time code that links the signed-in member of staff's chat account (see staff commands).
    await signedIn.register(chatLinkRoutes, { chatLinks: opts.chatLinks, staffOf });

    // Behind the guard, so an anonymous caller learns nothing about which API paths exist.
    signedIn.all('/console/api/*', (_req, reply) => refuse(reply, 404, 'Not found', 'staffError.notFound'));

    // Queue dashboard, admins only, read-only (retries and removals are done with the CLI or in Redis, see README).
    const board = new FastifyAdapter();
    createBullBoard({ queues: Object.values(services.queues).map((q) => new BullMQAdapter(q, { readOnlyMode: true })), serverAdapter: board });
    board.setBasePath('/console/queues');
    await signedIn.register(async (admins) => {
      admins.addHook('onRequest', requireRole('admin'));
      admins.addHook('onSend', async (_req, reply, payload) => {
        reply.header('content-security-policy', QUEUES_CSP);
        return typeof payload === 'string' ? payload.replace(EXTERNAL_FONTS, '') : payload;
      });
      await admins.register(board.registerPlugin(), { prefix: '/console/queues' });
    });
  });
}

/** The office's figures (JSON) and what the dashboard draws; a handler's, of their department's cases only. */
async function figureRoutes(app: FastifyInstance, opts: { db: Db; config: Config; now: Clock }): Promise<void> {
  const { db, config } = opts;
  // The supervision projects opened in the period, overdue as of today.
  const projectsIn = (range: { from: string; to: string }, departmentId: string | undefined) =>
    projectFigures(db, { ...range, timeZone: config.TIMEZONE, today: localDate(opts.now(), config.TIMEZONE), departmentId });
  app.get('/console/api/figures', { config: { docs: { querystring: range } } }, async (req, reply) => {
    const query = range.safeParse(req.query);
    if (!query.success) return badRequest(reply, query.error);
    const departmentId = departmentScope(staffOf(req));
    const figures = await computeFigures(db, { ...query.data, timeZone: config.TIMEZONE, departmentId });
    return { figures: { ...figures, projects: await projectsIn(query.data, departmentId) }, text: figuresText(figures, query.data.lang) };
  });
  app.get('/console/api/dashboard', { config: { docs: { querystring: range } } }, async (req, reply) => {
    const query = range.safeParse(req.query);
    if (!query.success) return badRequest(reply, query.error);
    const { from, to, lang } = query.data;
    const departmentId = departmentScope(staffOf(req));
    const figures = await computeFigures(db, { from, to, timeZone: config.TIMEZONE, departmentId });
    const hotspots = await hotSpotsBetween(db, config, from, to, departmentId);
    const rows = (list: typeof figures.byTopic) => list.slice(0, 12).map((r) => ({ key: r.key, label: rowLabel(r, lang) ?? '—', received: r.received, closed: r.closed }));
    return {
      summary: figuresText(figures, lang),
      cards: { ...figures.totals, satisfactionRate: figures.satisfaction.rate },
      daily: figures.daily,
      byTopic: rows(figures.byTopic),
      byRegion: rows(figures.byRegion),
      satisfaction: figures.satisfaction,
      hotspots,
      projects: await projectsIn(query.data, departmentId),
    };
  });
}
