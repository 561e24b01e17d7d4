import { createReadStream } from 'node:fs';
import { join } from 'node:path';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { availableActions, CASE_ACTIONS, departmentScope, pendingRequest, type CaseActions, type StaffActor } from '../../core/cases/actions.js';
import { isoDay, localDayRange, startOfLocalDay } from '../../core/routing/working-days.js';
import { staffEventText } from '../../core/cases/describe.js';
import { openProjectOf } from '../../core/projects/projects.js';
import { t, type Lang } from '../../core/i18n/index.js';
import type { Config } from '../../core/platform/config.js';
import type { CaseStatus, Db, Prisma } from '../../core/platform/db.js';
import { AttachmentStore, sniffType } from '../conversations/attachments.js';
import { badRequest, refuse, sendRefusal } from './errors.js';
import { requireRole } from './guard.js';
import { isUuid } from '../../core/platform/ids.js';

const STATUSES = ['received', 'accepted', 'needs_info', 'rejected', 'assigned', 'in_progress', 'in_review', 'resolved', 'closed', 'reopened'] as const satisfies readonly CaseStatus[];
const flag = z.enum(['true', 'false', '1', '0']).transform((v) => v === 'true' || v === '1');

const listQuery = z.object({
  status: z.enum(STATUSES).optional(),
  topic: z.string().max(100).optional(),
  region: z.string().max(20).optional(),
  department: z.string().uuid().optional(),
  overdue: flag.optional(),
  supervised: flag.optional(),
  from: isoDay.optional(),
  to: isoDay.optional(),
  /** Free text: words of the description or place, or a case number. */
  q: z.string().trim().max(100).optional(),
  /** Past cases of `npm run history:import`: left out unless asked for, so staff do not take them for current work. */
  imported: z.enum(['exclude', 'include', 'only']).default('exclude'),
  page: z.coerce.number().int().min(1).default(1),
  pageSize: z.coerce.number().int().min(1).max(100).default(20),
});

const actionBody = z.object({
  text: z.string().max(10_000).optional(),
  departmentId: z.string().optional(),
  /** requestExtension: the new deadline, YYYY-MM-DD. */
  until: z.string().max(10).optional(),
  /** resolve: ids of evidence uploaded to POST /console/api/cases/:id/evidence. */
  evidence: z.array(z.string().max(36)).max(10).optional(),
  /** correctTopic */
  topic: z.string().max(100).optional(),
  /** correctPlace */
  placeText: z.string().max(500).nullable().optional(),
  regionCode: z.string().max(20).nullable().optional(),
});

/** Who acted, in words: a colleague's name, or "system" and "resident" in the page's language. */
function actorWords(actor: string, names: Map<string, string>, lang: Lang): string {
  if (actor === 'resident') return t(lang, 'desk.actor.resident');
  if (actor.startsWith('system:')) return t(lang, 'desk.actor.system');
  return names.get(actor) ?? actor;
}


/** Which cases a member of staff may see: a handler, only their department's. */
export function visibleTo(staff: StaffActor): Prisma.CaseWhereInput {
  const departmentId = departmentScope(staff);
  return departmentId === undefined ? {} : { departmentId };
}

/** The console's case API: list with filters and search, detail with the whole timeline, every staff action. */
export async function caseRoutes(
  app: FastifyInstance,
  opts: { db: Db; config: Config; actions: CaseActions; staffOf: (req: FastifyRequest) => StaffActor },
): Promise<void> {
  const { db, config, actions, staffOf } = opts;
  const store = new AttachmentStore(db, config.DATA_DIR, config.ATTACHMENT_MAX_BYTES);
  // Evidence arrives as the file's bytes; larger than a resident may send is refused (413).
  app.addContentTypeParser('application/octet-stream', { parseAs: 'buffer', bodyLimit: config.ATTACHMENT_MAX_BYTES }, (_req, body, done) => done(null, body));

  app.get('/console/api/cases', { config: { docs: { querystring: listQuery } } }, async (req, reply) => {
    const query = listQuery.safeParse(req.query);
    if (!query.success) return badRequest(reply, query.error);
    const q = query.data;
    const tz = config.TIMEZONE;
    const where: Prisma.CaseWhereInput = {
      AND: [
        visibleTo(staffOf(req)),
        q.status ? { status: q.status } : {},
        q.topic ? { OR: [{ topic: q.topic }, { topic: { startsWith: `${q.topic}/` } }] } : {},
        q.region ? { OR: [{ regionCode: q.region }, { region: { parentCode: q.region } }] } : {},
        q.department ? { departmentId: q.department } : {},
        q.overdue === undefined ? {} : { overdueAt: q.overdue ? { not: null } : null },
        q.supervised === undefined ? {} : { supervisedAt: q.supervised ? { not: null } : null },
        q.from ? { createdAt: { gte: startOfLocalDay(q.from, tz) } } : {},
        q.to ? { createdAt: { lt: localDayRange(q.to, q.to, tz).to } } : {},
        q.imported === 'include' ? {} : { source: q.imported === 'only' ? { not: null } : null },
        q.q
          ? {
              OR: [
                { number: { equals: q.q.toUpperCase() } },
                { description: { contains: q.q, mode: 'insensitive' } },
                { placeText: { contains: q.q, mode: 'insensitive' } },
              ],
            }
          : {},
      ],
    };
    const [total, cases] = await Promise.all([
      db.case.count({ where }),
      db.case.findMany({
        where,
        orderBy: { createdAt: 'desc' },
        skip: (q.page - 1) * q.pageSize,
        take: q.pageSize,
        include: { department: { select: { id: true, name: true, nameEn: true } }, region: { select: { name: true, nameEn: true } } },
      }),
    ]);
    return { total, page: q.page, pageSize: q.pageSize, cases };
  });

  app.get<{ Params: { id: string }; Querystring: { lang?: string } }>('/console/api/cases/:id', async (req, reply) => {
    if (!isUuid(req.params.id)) return refuse(reply, 404, 'no such case', 'staffError.caseNotFound');
    const lang = req.query.lang === 'en' ? 'en' : 'zh';
    const found = await db.case.findFirst({
      where: { id: req.params.id, ...visibleTo(staffOf(req)) },
      include: {
        department: true,
        region: true,
        events: { orderBy: { at: 'asc' } },
        duplicates: { select: { id: true, number: true, status: true } },
        duplicateOf: { select: { id: true, number: true, status: true } },
        resident: { select: { channel: true, language: true, phone: true } },
        submission: { select: { phone: true, occurredOn: true, channel: true, attachments: { select: { id: true, kind: true, mimeType: true, size: true } } } },
        evidence: { select: { id: true, kind: true, mimeType: true, size: true } },
      },
    });
    if (!found) return refuse(reply, 404, 'no such case', 'staffError.caseNotFound');
    const [request, project] = await Promise.all([pendingRequest(db, found.id), openProjectOf(db, found.id, departmentScope(staffOf(req)))]);
    // Each event told in words, and who acted by name rather than by id.
    const staffIds = [...found.events.map((e) => e.actor.match(/^staff:(.+)$/)?.[1]), request?.staffId].filter((id): id is string => !!id);
    const names = new Map((await db.staff.findMany({ where: { id: { in: staffIds } }, select: { id: true, username: true, displayName: true } })).map((s) => [`staff:${s.id}`, s.displayName ?? s.username]));
    const events = found.events.map((e) => ({ ...e, text: staffEventText(e, lang, config.TIMEZONE), actorName: actorWords(e.actor, names, lang) }));
    const requestDepartment = request?.departmentId ? await db.department.findUnique({ where: { id: request.departmentId }, select: { name: true, nameEn: true } }) : null;
    return {
      ...found,
      events,
      // The open supervision project (专项督查) the case is in, for a link to it.
      project,
      // What this member of staff may do now: the console shows only these.
      actions: availableActions(staffOf(req), found, !!request),
      pendingRequest: request && { ...request, staffName: names.get(`staff:${request.staffId}`) ?? '', department: requestDepartment },
      // The answer waiting for review, as the resident would receive it.
      review: found.status === 'in_review' ? [...found.events].reverse().find((e) => e.type === 'review_submitted') ?? null : null,
    };
  });

  // Evidence for a resolution (photos, PDFs), checked by its bytes as residents' attachments are.
  app.post<{ Params: { id: string } }>('/console/api/cases/:id/evidence', async (req, reply) => {
    const found = isUuid(req.params.id)
      ? await db.case.findFirst({ where: { id: req.params.id, ...visibleTo(staffOf(req)) }, select: { id: true } })
      : null;
    if (!found) return reply.code(404).send({ error: 'no such case' });
    if (!Buffer.isBuffer(req.body) || req.body.length === 0) return reply.code(400).send({ error: 'send the file as application/octet-stream', code: 'invalid' });
    const saved = await store.save(req.body, sniffType(req.body)?.startsWith('image/') ? 'photo' : 'file', found.id);
    if (!saved.stored) return reply.code(saved.reason === 'too_large' ? 413 : 415).send({ error: saved.reason, code: 'invalid' });
    return reply.code(201).send(await db.attachment.findUniqueOrThrow({ where: { id: saved.id }, select: { id: true, kind: true, mimeType: true, size: true } }));
  });

  // The supervision office's queue: requests waiting for a decision and resolutions waiting for review.
  await app.register(async (office) => {
    office.addHook('onRequest', requireRole('admin', 'supervisor'));
    office.get('/console/api/requests', async () => {
      const caseFields = { select: { id: true, number: true, status: true, deadline: true, topic: true } } as const;
      const [requests, reviews] = await Promise.all([
        db.caseRequest.findMany({
          where: { status: 'pending' },
          orderBy: { createdAt: 'asc' },
          include: { case: caseFields, staff: { select: { username: true, displayName: true, department: { select: { name: true, nameEn: true } } } } },
        }),
        db.case.findMany({
          where: { status: 'in_review' },
          orderBy: { updatedAt: 'asc' },
          select: { id: true, number: true, topic: true, deadline: true, updatedAt: true, department: { select: { name: true, nameEn: true } } },
        }),
      ]);
      return { requests, reviews };
    });
  });

  // The bytes of a photo or file of a case the member of staff may see.
  app.get<{ Params: { id: string; attachmentId: string } }>('/console/api/cases/:id/attachments/:attachmentId', async (req, reply) => {
    const ids = z.object({ id: z.string().uuid(), attachmentId: z.string().uuid() }).safeParse(req.params);
    if (!ids.success) return refuse(reply, 404, 'no such attachment', 'staffError.notFound');
    const found = await db.case.findFirst({ where: { id: ids.data.id, ...visibleTo(staffOf(req)) }, select: { submissionId: true } });
    const file = found && (await db.attachment.findFirst({ where: { id: ids.data.attachmentId, OR: [{ submissionId: found.submissionId }, { caseId: ids.data.id }] } }));
    if (!file) return refuse(reply, 404, 'no such attachment', 'staffError.notFound');
    // Served as a download with its checked type, never rendered as a page of this origin.
    return reply
      .type(file.mimeType)
      .header('content-disposition', `attachment; filename="${file.id}"`)
      .send(createReadStream(join(config.DATA_DIR, 'attachments', file.sha256)));
  });

  app.post<{ Params: { id: string; action: string } }>('/console/api/cases/:id/:action', { config: { docs: { body: actionBody } } }, async (req, reply) => {
    const action = z.enum(CASE_ACTIONS as [string, ...string[]]).safeParse(req.params.action);
    if (!action.success) return refuse(reply, 404, 'no such action', 'staffError.noSuchAction');
    const body = actionBody.safeParse(req.body ?? {});
    if (!body.success) return badRequest(reply, body.error);
    const staff = staffOf(req);
    const { text = '', departmentId = '', until = '', evidence = [], topic = '' } = body.data;
    const id = req.params.id;
    try {
      const run = new Map<string, () => Promise<unknown[]>>([
        ['accept', () => actions.accept(staff, id, text || undefined)],
        ['reject', () => actions.reject(staff, id, text)],
        ['requestInfo', () => actions.requestInfo(staff, id, text)],
        ['assign', () => actions.assign(staff, id, departmentId, text || undefined)],
        ['reply', () => actions.reply(staff, id, text)],
        ['note', () => actions.note(staff, id, text)],
        ['resolve', () => actions.resolve(staff, id, text, evidence)],
        ['reopen', () => actions.reopen(staff, id, text)],
        ['supervise', () => actions.supervise(staff, id, text || undefined)],
        ['approve', () => actions.approve(staff, id, text || undefined)],
        ['return', () => actions.return(staff, id, text)],
        ['requestExtension', () => actions.requestExtension(staff, id, until, text)],
        ['handBack', () => actions.handBack(staff, id, text)],
        ['approveRequest', () => actions.approveRequest(staff, id, text || undefined)],
        ['refuseRequest', () => actions.refuseRequest(staff, id, text)],
        ['correctTopic', () => actions.correctTopic(staff, id, topic)],
        ['correctPlace', () => actions.correctPlace(staff, id, { placeText: body.data.placeText, regionCode: body.data.regionCode })],
      ]).get(action.data)!;
      const events = await run();
      return { events };
    } catch (err) {
      return sendRefusal(reply, err);
    }
  });

  // What the forms offer: departments to assign to, the topic and region catalogues.
  app.get('/console/api/catalog', async () => {
    const [departments, topics, regions] = await Promise.all([
      db.department.findMany({ orderBy: { code: 'asc' }, select: { id: true, code: true, name: true, nameEn: true, kind: true } }),
      db.topic.findMany({ where: { parentId: null }, orderBy: { sortOrder: 'asc' }, select: { name: true, nameEn: true, children: { select: { name: true } } } }),
      db.region.findMany({ orderBy: { code: 'asc' }, select: { code: true, name: true, nameEn: true, level: true, parentCode: true } }),
    ]);
    return { departments, topics, regions };
  });
}
