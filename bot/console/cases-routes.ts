import { createReadStream } from 'node:fs';
import { join } from 'node:path';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { z } from 'zod';
import type { CaseActions, StaffActor } from '../../core/cases/actions.js';
import { isoDay, localDayRange, startOfLocalDay } from '../../core/routing/working-days.js';
import { staffEventText } from '../../core/cases/describe.js';
import type { Config } from '../../core/platform/config.js';
import type { CaseStatus, Db, Prisma } from '../../core/platform/db.js';
import { badRequest, refuse, sendRefusal } from './errors.js';

const STATUSES = ['received', 'accepted', 'needs_info', 'rejected', 'assigned', 'in_progress', 'resolved', 'closed', 'reopened'] as const satisfies readonly CaseStatus[];
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
  page: z.coerce.number().int().min(1).default(1),
  pageSize: z.coerce.number().int().min(1).max(100).default(20),
});

const actionBody = z.object({
  text: z.string().max(10_000).optional(),
  departmentId: z.string().optional(),
});

const ACTIONS = ['accept', 'reject', 'requestInfo', 'assign', 'reply', 'note', 'resolve', 'reopen', 'supervise'] as const;

/** The one department whose cases a member of staff may see (a handler's), or undefined for all of them. */
export function departmentScope(staff: StaffActor): string | undefined {
  return staff.role === 'handler' ? (staff.departmentId ?? '00000000-0000-0000-0000-000000000000') : undefined;
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

  app.get('/console/api/cases', async (req, reply) => {
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
    if (!z.string().uuid().safeParse(req.params.id).success) return refuse(reply, 404, 'no such case', 'staffError.caseNotFound');
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
      },
    });
    if (!found) return refuse(reply, 404, 'no such case', 'staffError.caseNotFound');
    // Each event told in words, and who acted by name rather than by id.
    const staffIds = found.events.map((e) => e.actor.match(/^staff:(.+)$/)?.[1]).filter((id): id is string => !!id);
    const names = new Map((await db.staff.findMany({ where: { id: { in: staffIds } }, select: { id: true, username: true, displayName: true } })).map((s) => [`staff:${s.id}`, s.displayName ?? s.username]));
    const events = found.events.map((e) => ({ ...e, text: staffEventText(e, lang, config.TIMEZONE), actorName: names.get(e.actor) ?? e.actor }));
    return { ...found, events };
  });

  // The bytes of a photo or file of a case the member of staff may see.
  app.get<{ Params: { id: string; attachmentId: string } }>('/console/api/cases/:id/attachments/:attachmentId', async (req, reply) => {
    const ids = z.object({ id: z.string().uuid(), attachmentId: z.string().uuid() }).safeParse(req.params);
    if (!ids.success) return refuse(reply, 404, 'no such attachment', 'staffError.notFound');
    const found = await db.case.findFirst({ where: { id: ids.data.id, ...visibleTo(staffOf(req)) }, select: { submissionId: true } });
    const file = found && (await db.attachment.findFirst({ where: { id: ids.data.attachmentId, submissionId: found.submissionId } }));
    if (!file) return refuse(reply, 404, 'no such attachment', 'staffError.notFound');
    // Served as a download with its checked type, never rendered as a page of this origin.
    return reply
      .type(file.mimeType)
      .header('content-disposition', `attachment; filename="${file.id}"`)
      .send(createReadStream(join(config.DATA_DIR, 'attachments', file.sha256)));
  });

  app.post<{ Params: { id: string; action: string } }>('/console/api/cases/:id/:action', async (req, reply) => {
    const action = z.enum(ACTIONS).safeParse(req.params.action);
    if (!action.success) return refuse(reply, 404, 'no such action', 'staffError.noSuchAction');
    const body = actionBody.safeParse(req.body ?? {});
    if (!body.success) return badRequest(reply, body.error);
    const staff = staffOf(req);
    const { text = '', departmentId = '' } = body.data;
    const id = req.params.id;
    try {
      const run = {
        accept: () => actions.accept(staff, id, text || undefined),
        reject: () => actions.reject(staff, id, text),
        requestInfo: () => actions.requestInfo(staff, id, text),
        assign: () => actions.assign(staff, id, departmentId, text || undefined),
        reply: () => actions.reply(staff, id, text),
        note: () => actions.note(staff, id, text),
        resolve: () => actions.resolve(staff, id, text),
        reopen: () => actions.reopen(staff, id, text),
        supervise: () => actions.supervise(staff, id, text || undefined),
      }[action.data];
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
