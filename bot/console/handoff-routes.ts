import type { FastifyInstance, FastifyRequest } from 'fastify';
import { z } from 'zod';
import type { StaffActor } from '../../core/cases/actions.js';
import { buttonSchema } from '../../core/messages.js';
import { heardText } from '../../core/handoff/heard.js';
import { HandoffError, type HandoffService } from '../../core/handoff/service.js';
import type { Clock } from '../../core/platform/clock.js';
import type { CaseStatus, Db } from '../../core/platform/db.js';
import { visibleTo } from './cases-routes.js';
import { badRequest, refuse, sendRefusal } from './errors.js';
import { isUuid } from '../../core/platform/ids.js';

const body = z.object({
  text: z.string().optional(),
  staffId: z.string().optional(),
  number: z.string().optional(),
  description: z.string().optional(),
  topic: z.string().nullish(),
  regionCode: z.string().nullish(),
  placeText: z.string().nullish(),
});

const buttonList = z.array(buttonSchema);

/** The office (supervisors, admins) sees the whole queue; a handler only what was handed to them. */
function inbox(staff: StaffActor) {
  return staff.role === 'handler' ? { staffId: staff.id, status: 'held' as const } : { status: { in: ['waiting' as const, 'held' as const] } };
}

const PREVIEW_CHARS = 80;
const CLOSED: CaseStatus[] = ['resolved', 'closed', 'rejected'];

/**
 * Beside the conversation: the resident's open cases the member of staff may see, and a phone
 * number only where they could already see it. The office sees the resident's own phone; a
 * handler only one the resident gave on a case of their department (shown in that case anyway).
 */
async function aboutResident(db: Db, staff: StaffActor, residentId: string) {
  const cases = await db.case.findMany({
    where: { residentId, status: { notIn: CLOSED }, ...visibleTo(staff) },
    orderBy: { createdAt: 'desc' },
    take: 10,
    select: { id: true, number: true, status: true, submission: { select: { phone: true } } },
  });
  const own = staff.role === 'handler' ? null : (await db.resident.findUnique({ where: { id: residentId }, select: { phone: true } }))?.phone;
  const phone = own ?? cases.find((c) => c.submission.phone)?.submission.phone ?? null;
  return { phone, openCases: cases.map((c) => ({ id: c.id, number: c.number, status: c.status })) };
}

/**
 * The console's handoff API: the inbox, a conversation with everything said, and claim, say,
 * transfer, release, file a report, link a case. Live events come through live-stream.ts.
 */
export async function handoffRoutes(
  app: FastifyInstance,
  opts: { db: Db; handoff: HandoffService; now: Clock; staffOf: (req: FastifyRequest) => StaffActor },
): Promise<void> {
  const { db, handoff, now, staffOf } = opts;

  app.get('/console/api/handoffs', async (req) => {
    const found = await db.handoff.findMany({
      where: inbox(staffOf(req)),
      orderBy: { requestedAt: 'asc' },
      include: { staff: { select: { id: true, username: true, displayName: true } }, resident: { select: { channel: true, language: true } } },
    });
    // What the resident last wrote, for the card: the latest typed message of each conversation.
    const last = await db.message.findMany({
      where: { conversationId: { in: found.map((h) => h.conversationId) }, direction: 'inbound', text: { not: '' } },
      orderBy: { at: 'desc' },
      distinct: ['conversationId'],
      select: { conversationId: true, text: true },
    });
    const previews = new Map(last.map((m) => [m.conversationId, m.text.slice(0, PREVIEW_CHARS)]));
    const at = now().getTime();
    // A safety hazard comes first, then whoever has waited longest.
    const handoffs = found
      .map((h) => ({ ...h, preview: previews.get(h.conversationId) ?? null, waitMinutes: Math.max(0, Math.floor((at - h.requestedAt.getTime()) / 60_000)) }))
      .sort((a, b) => Number(b.reason === 'urgent') - Number(a.reason === 'urgent'));
    return { handoffs };
  });

  app.get<{ Params: { id: string } }>('/console/api/handoffs/:id', async (req, reply) => {
    const staff = staffOf(req);
    const found = isUuid(req.params.id)
      ? await db.handoff.findUnique({ where: { id: req.params.id }, include: { resident: { select: { channel: true, language: true } } } })
      : null;
    if (!found || (staff.role === 'handler' && found.staffId !== staff.id)) return refuse(reply, 404, 'no such conversation', 'staffError.noSuchConversation');
    // Everything said with this resident in this conversation, the bot's part included.
    const logged = await db.message.findMany({
      where: { conversationId: found.conversationId },
      orderBy: { at: 'asc' },
      select: { id: true, direction: true, text: true, payload: true, buttons: true, files: true, author: true, at: true },
      take: 500,
    });
    // A tapped button is logged as its payload: it reads as the label the resident saw.
    const labels = new Map<string, string>();
    const messages = logged.map(({ payload, buttons, ...message }) => {
      for (const b of buttonList.safeParse(buttons).data ?? []) labels.set(b.payload, b.label);
      return message.direction === 'inbound' ? { ...message, text: heardText(found.resident.language, { text: message.text, payload }, labels) } : message;
    });
    return { handoff: found, messages, resident: await aboutResident(db, staff, found.residentId) };
  });

  app.post<{ Params: { id: string; action: string } }>('/console/api/handoffs/:id/:action', { config: { docs: { body } } }, async (req, reply) => {
    const staff = staffOf(req);
    const input = body.safeParse(req.body ?? {});
    if (!input.success) return badRequest(reply, input.error);
    const { text = '', staffId = '', number = '' } = input.data;
    const id = req.params.id;
    // A Map: an action named after an Object.prototype member ("constructor") is simply unknown.
    const actions = new Map<string, () => Promise<unknown>>([
      ['claim', () => handoff.claim(id, staff)],
      ['say', () => handoff.say(id, staff, text)],
      ['transfer', () => handoff.transfer(id, staff, staffId)],
      ['release', () => handoff.release(id, staff)],
      ['report', async () => ({ submissionId: await handoff.fileReport(id, staff, input.data) })],
      [
        'link',
        async () => {
          // Another department's case does not exist for a handler, here as in the case API.
          const visible = await db.case.count({ where: { number: number.trim().toUpperCase(), ...visibleTo(staff) } });
          if (!visible) throw new HandoffError('not_found', 'no such case', 'staffError.noSuchCaseNumber', { number: number.trim().toUpperCase() });
          return handoff.linkCase(id, staff, number);
        },
      ],
    ]);
    const run = actions.get(req.params.action);
    if (!run) return refuse(reply, 404, 'no such action', 'staffError.noSuchAction');
    try {
      return { ok: true, result: (await run()) ?? null };
    } catch (err) {
      return sendRefusal(reply, err);
    }
  });

  // Colleagues a conversation can be handed to.
  app.get('/console/api/staff', async () => ({
    staff: await db.staff.findMany({ where: { disabled: false }, orderBy: { username: 'asc' }, select: { id: true, username: true, displayName: true, role: true, departmentId: true } }),
  }));
}
