import type { Case, CaseEvent, Db, Satisfaction } from '../platform/db.js';
import { reopen, supervise, type CaseActionsDeps } from './actions.js';
import { queueNotifications, queueRoute } from './follow-up.js';
import { IllegalTransitionError, OPEN_STATUSES, recordEvent, transition } from './status-machine.js';

/** What became of a resident's answer: done, or why not (the bot words each outcome). */
export type ResidentOutcome = 'done' | 'not_found' | 'not_open' | 'already_rated';

async function ownCase(db: Db, residentId: string, number: string): Promise<Case | null> {
  const found = await db.case.findUnique({ where: { number } });
  return found && found.residentId === residentId ? found : null;
}

function settled<T>(work: Promise<T>): Promise<T | 'not_open'> {
  // The case moved on between reading and writing (a clerk acted, a second tap).
  return work.catch((err: unknown) => {
    if (err instanceof IllegalTransitionError) return 'not_open';
    throw err;
  });
}

/**
 * The resident's extra detail for their case. A case that waited for it is accepted and routed;
 * one a department is working gets the detail added to its timeline for the department.
 */
export async function addInformation(
  deps: CaseActionsDeps,
  input: { residentId: string; number: string; text: string; regionCode: string | null },
): Promise<ResidentOutcome> {
  const { db } = deps;
  const found = await ownCase(db, input.residentId, input.number);
  if (!found) return 'not_found';
  if (found.status !== 'needs_info' && !OPEN_STATUSES.includes(found.status)) return 'not_open';
  const at = deps.now();
  const event = await settled(
    db.$transaction(async (tx) => {
      if (found.status !== 'needs_info') return recordEvent(tx, found, { type: 'info_added', actor: 'resident', at, note: input.text });
      return transition(tx, found, {
        to: 'accepted',
        type: 'info_added',
        actor: 'resident',
        at,
        note: input.text,
        set: {
          description: `${found.description}\n${input.text}`,
          ...(found.regionCode || !input.regionCode ? {} : { regionCode: input.regionCode, placeText: found.placeText ?? input.text }),
        },
      });
    }),
  );
  if (event === 'not_open') return event;
  if (event.toStatus === 'accepted') await queueRoute(deps.queues, found.id, event);
  return 'done';
}

/**
 * The resident's verdict on a resolved case: satisfied or basically satisfied closes it;
 * dissatisfied (with a reason) reopens it for the same department with a new deadline and puts
 * it under supervision.
 */
export async function rateCase(
  deps: CaseActionsDeps,
  input: { residentId: string; number: string; rating: Satisfaction; reason?: string },
): Promise<ResidentOutcome> {
  const { db, config } = deps;
  const found = await ownCase(db, input.residentId, input.number);
  if (!found) return 'not_found';
  if (found.satisfaction) return 'already_rated';
  if (found.status !== 'resolved') return 'not_open';
  const at = deps.now();
  const events = await settled(
    db.$transaction(async (tx): Promise<CaseEvent[]> => {
      if (input.rating !== 'unsatisfied') {
        return [await transition(tx, found, { to: 'closed', actor: 'resident', at, data: { satisfaction: input.rating }, set: { satisfaction: input.rating } })];
      }
      // The verdict stays in the event; the case is rated again when it is resolved again.
      const reopened = await reopen(tx, config, found, { actor: 'resident', at, note: input.reason, data: { satisfaction: 'unsatisfied' } });
      const current = { ...found, status: 'reopened' as const };
      return found.supervisedAt ? reopened : [...reopened, await supervise(tx, current, { actor: 'system:satisfaction', at, note: input.reason })];
    }),
  );
  if (events === 'not_open') return events;
  await queueNotifications(deps.queues, events);
  return 'done';
}
