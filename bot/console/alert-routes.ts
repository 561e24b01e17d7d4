import type { FastifyInstance } from 'fastify';
import { contactsSchema, contactView, maskSecret, maskUrl, type ContactsInput } from '../../core/alerts/alerts.js';
import type { Config } from '../../core/platform/config.js';
import type { AlertContact, Db, Prisma } from '../../core/platform/db.js';
import { badRequest } from './errors.js';
import { requireRole } from './guard.js';

/**
 * Admin-only: where each department hears of its cases (WeCom and DingTalk robots, e-mail), and
 * whether it gets a daily digest. Secrets and webhook keys are never sent back in full.
 */
export async function alertContactRoutes(app: FastifyInstance, opts: { db: Db; config: Config }): Promise<void> {
  const { db, config } = opts;
  const body = contactsSchema(config.ALERT_ALLOW_LOCAL_HTTP);
  app.addHook('onRequest', requireRole('admin'));

  app.get('/console/api/admin/departments', async () => ({
    departments: (
      await db.department.findMany({ orderBy: { code: 'asc' }, select: { code: true, name: true, nameEn: true, alertDigest: true, _count: { select: { alertContacts: true } } } })
    ).map(({ _count, ...d }) => ({ ...d, alerts: _count.alertContacts })),
  }));

  const view = async (code: string) => {
    const department = await db.department.findUnique({ where: { code }, include: { alertContacts: { orderBy: { createdAt: 'asc' } } } });
    if (!department) return null;
    const { alertContacts, ...d } = department;
    return { code: d.code, name: d.name, nameEn: d.nameEn, digest: d.alertDigest, alerts: alertContacts.map(contactView) };
  };

  app.get<{ Params: { code: string } }>('/console/api/admin/departments/:code', async (req, reply) => (await view(req.params.code)) ?? reply.code(404).send({ error: 'no such department' }));

  // Replaces the department's contacts with the list sent; a contact sent back with its id and masked secrets keeps them.
  app.put<{ Params: { code: string } }>('/console/api/admin/departments/:code', async (req, reply) => {
    const parsed = body.safeParse(req.body);
    if (!parsed.success) return badRequest(reply, parsed.error);
    const department = await db.department.findUnique({ where: { code: req.params.code }, include: { alertContacts: true } });
    if (!department) return reply.code(404).send({ error: 'no such department' });
    if (parsed.data.alerts.some((a) => a.kind === 'email') && !config.SMTP_HOST) {
      return reply.code(400).send({ error: 'e-mail alerts need the SMTP settings (SMTP_HOST) on the server' });
    }
    const stored = new Map(department.alertContacts.map((c) => [c.id, c]));
    const rows = parsed.data.alerts.map((a) => contactRow(a, a.id ? stored.get(a.id) : undefined));
    if (rows.some((r) => r.kind === 'dingtalk' && !r.secret)) return reply.code(400).send({ error: 'a DingTalk robot needs its signing secret (SEC…)' });
    await db.$transaction(async (tx) => {
      const kept = rows.flatMap((r) => (r.id ? [r.id] : []));
      await tx.alertContact.deleteMany({ where: { departmentId: department.id, id: { notIn: kept } } });
      for (const { id, ...data } of rows) {
        if (id) await tx.alertContact.update({ where: { id }, data });
        else await tx.alertContact.create({ data: { ...data, departmentId: department.id } });
      }
      if (parsed.data.digest !== undefined) await tx.department.update({ where: { id: department.id }, data: { alertDigest: parsed.data.digest } });
    });
    return view(department.code);
  });
}

type Row = Pick<Prisma.AlertContactUncheckedCreateInput, 'kind' | 'url' | 'secret' | 'to'> & { id?: string };

/** A contact to store: what was sent, with the stored URL and secret where the masked ones came back. */
function contactRow(input: ContactsInput['alerts'][number], existing: AlertContact | undefined): Row {
  const prev = existing?.kind === input.kind ? existing : undefined;
  const id = prev?.id;
  if (input.kind === 'email') return { id, kind: 'email', url: null, secret: null, to: input.to };
  const url = prev?.url && input.url === maskUrl(prev.url) ? prev.url : input.url;
  if (input.kind === 'wecom') return { id, kind: 'wecom', url, secret: null, to: [] };
  const sent = input.secret?.trim();
  const secret = !sent || (prev?.secret && sent === maskSecret(prev.secret)) ? (prev?.secret ?? null) : sent;
  return { id, kind: 'dingtalk', url, secret, to: [] };
}
