import type { FastifyInstance, FastifyRequest } from 'fastify';
import { z } from 'zod';
import type { StaffActor } from '../../core/cases/actions.js';
import { buttonSchema } from '../../core/messages.js';
import { heardText } from '../../core/handoff/heard.js';
import { HandoffError, type HandoffService } from '../../core/handoff/service.js';
import type { Db } from '../../core/platform/db.js';
import { visibleTo } from './cases-routes.js';
import { sendRefusal } from './errors.js';

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

/**
 * The console's handoff API: the inbox, a conversation with everything said, and claim, say,
 * transfer, release, file a report, link a case. Live events come through live-stream.ts.
 */
export async function handoffRoutes(
  app: FastifyInstance,
  opts: { db: Db; handoff: HandoffService; staffOf: (req: FastifyRequest) => StaffActor },
): Promise<void> {
  const { db, handoff, staffOf } = opts;

  app.get('/console/api/handoffs', async (req) => {
    const handoffs = await db.handoff.findMany({
      where: inbox(staffOf(req)),
      orderBy: { requestedAt: 'asc' },
      include: { staff: { select: { id: true, username: true, displayName: true } }, resident: { select: { channel: true, language: true } } },
    });
    return { handoffs };
  });

  app.get<{ Params: { id: string } }>('/console/api/handoffs/:id', async (req, reply) => {
    const staff = staffOf(req);
    const found = z.string().uuid().safeParse(req.params.id).success
      ? await db.handoff.findUnique({ where: { id: req.params.id }, include: { resident: { select: { channel: true, language: true } } } })
      : null;
    if (!found || (staff.role === 'handler' && found.staffId !== staff.id)) return reply.code(404).send({ error: 'no such conversation' });
    // Everything said with this resident in this conversation, the bot's part included.
    const logged = await db.message.findMany({
      where: { conversationId: found.conversationId },
      orderBy: { at: 'asc' },
      select: { id: true, direction: true, text: true, payload: true, buttons: true, author: true, at: true },
      take: 500,
    });
    // A tapped button is logged as its payload: it reads as the label the resident saw.
    const labels = new Map<string, string>();
    const messages = logged.map(({ payload, buttons, ...message }) => {
      for (const b of buttonList.safeParse(buttons).data ?? []) labels.set(b.payload, b.label);
      return message.direction === 'inbound' ? { ...message, text: heardText(found.resident.language, { text: message.text, payload }, labels) } : message;
    });
    return { handoff: found, messages };
  });

  app.post<{ Params: { id: string; action: string } }>('/console/api/handoffs/:id/:action', { config: { docs: { body } } }, async (req, reply) => {
    const staff = staffOf(req);
    const input = body.safeParse(req.body ?? {});
    if (!input.success) return reply.code(400).send({ error: 'bad request body' });
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
          if (!visible) throw new HandoffError('not_found', 'no such case');
          return handoff.linkCase(id, staff, number);
        },
      ],
    ]);
    const run = actions.get(req.params.action);
    if (!run) return reply.code(404).send({ error: 'no such action' });
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
