import type { DeliveryGuard } from '../conversations/delivery-guard.js';
import type { DialogueCopy, LogRow, MessageLog } from '../conversations/message-log.js';
import { openConversation } from '../conversations/residents.js';
import type { RateCount } from '../conversations/rate-limiter.js';
import { TurnSlots } from '../conversations/turn-slots.js';
import { t, type Lang } from '../../core/i18n/index.js';
import { Composer } from './composer.js';
import { Context } from './context.js';
import type { BotDeps } from './deps.js';
import { FlowEngine } from './flow.js';
import { reportFlow } from './flows/report.js';
import { addInfoFlow, caseAnswers, rateReasonFlow } from './features/case-answers.js';
import { globalCommands } from './features/commands.js';
import { faqAnswers } from './features/faq.js';
import { staffHolds } from './features/handoff.js';
import { staffCommands } from './features/staff-commands.js';
import { inputGuards } from './features/guards.js';
import { idle } from './features/idle.js';
import { media } from './features/media.js';
import { statusCommands, statusFlow } from './features/status.js';
import type { Inbound, Reply } from '../../core/messages.js';
import type { Session, SessionStore } from './session.js';

export type TurnResult<T> =
  | { kind: 'ok'; delivered: T }
  /** The same delivery was handled before: this is what was delivered then. */
  | { kind: 'duplicate'; delivered: T }
  /** Too many messages, or the resident's previous turn is still running. */
  | { kind: 'limited' };

export interface TurnDeps extends BotDeps {
  sessions: SessionStore;
  guard: DeliveryGuard;
  messageLog: MessageLog;
}

/**
 * The dialogue. A channel hands each inbound message to `handle` with a `deliver` function that
 * renders the replies its own way; delivery happens inside the turn, and what it returned is
 * remembered so that a repeated delivery of the same message gets the same answer, not a new turn.
 */
export class Bot {
  private readonly engine = new FlowEngine().register(reportFlow).register(statusFlow).register(addInfoFlow).register(rateReasonFlow);
  private readonly handler = new Composer()
    .use(staffCommands, staffHolds, media(this.engine), inputGuards, globalCommands(this.engine), caseAnswers(this.engine), statusCommands(this.engine), this.engine.middleware(), faqAnswers(this.engine), idle(this.engine))
    .middleware();
  // Turns this process runs at once (BOT_TURNS_AT_ONCE): the rest wait, so deliveries and intake are not starved.
  private readonly slots: TurnSlots;

  constructor(private readonly deps: TurnDeps) {
    this.slots = new TurnSlots(deps.config.BOT_TURNS_AT_ONCE);
  }

  /**
   * `deliver` also gets the language the replies are in (a page shows its own texts in it); `also`
   * holds the channel's own limits (the sender's address), counted with the resident's.
   */
  async handle<T>(inbound: Inbound, deliver: (replies: Reply[], lang: Lang) => Promise<T>, also: RateCount[] = []): Promise<TurnResult<T>> {
    return this.slots.run(() => this.guarded(inbound, deliver, also));
  }

  private async guarded<T>(inbound: Inbound, deliver: (replies: Reply[], lang: Lang) => Promise<T>, also: RateCount[]): Promise<TurnResult<T>> {
    const { guard, sessions } = this.deps;
    const { channel, userId, messageId } = inbound;
    // One round trip before the turn: the rate limit, the lock, the session, whether staff hold
    // the conversation, and a delivery seen before.
    const keys = [sessions.key(channel, userId), this.deps.handoff.heldKey(channel, userId), ...(messageId ? [guard.seenKey(channel, userId, messageId)] : [])];
    const held = await guard.enter(channel, userId, keys, { also });
    if (!held) return { kind: 'limited' };
    let result: TurnResult<T> | undefined;
    try {
      const [saved = null, heldBy = null, seen] = held.values;
      if (seen) return { kind: 'duplicate', delivered: JSON.parse(seen) as T };
      result = await this.deps.metrics.timeTurn(channel, async () => this.turn(inbound, await sessions.loaded(channel, userId, saved), heldBy, deliver));
      return result;
    } finally {
      // What was delivered is remembered as the lock is let go (one round trip): a repeat gets it again.
      await held.release(messageId && result?.kind === 'ok' ? { key: guard.seenKey(channel, userId, messageId), value: JSON.stringify(result.delivered) } : undefined);
    }
  }

  private async turn<T>(inbound: Inbound, saved: Session | undefined, heldBy: string | null, deliver: (replies: Reply[], lang: Lang) => Promise<T>): Promise<TurnResult<T>> {
    const { sessions, messageLog, db, sql, log } = this.deps;
    const { channel, userId, messageId } = inbound;
    const session = saved ?? {
      ...(await openConversation(sql, channel, userId, inbound.lang)),
      buttons: [],
      misses: 0,
    };
    if (inbound.lang && inbound.lang !== session.lang) {
      // The channel names the language explicitly: it wins, and notifications follow it.
      session.lang = inbound.lang;
      await db.resident.update({ where: { id: session.residentId }, data: { language: inbound.lang } });
    }
    const ctx = new Context(inbound, session, this.deps, heldBy);
    let replies: Reply[];
    let copy: DialogueCopy | undefined;
    try {
      await this.handler(ctx, async () => {});
      replies = ctx.replies;
      // A turn the bot stays silent in (staff hold the conversation) leaves the shown buttons current.
      if (replies.length) session.buttons = replies.at(-1)?.buttons ?? [];
      copy = sessions.snapshot(channel, userId, session);
    } catch (err) {
      // The state is left as it was before this message, so the resident can simply send it again.
      log.error({ err, channel }, 'dialogue turn failed');
      replies = [{ text: t(session.lang, 'input.failed') }];
    }
    const conversationId = session.conversationId;
    const rows: LogRow[] = [
      { conversationId, direction: 'inbound', externalId: messageId, text: inbound.text ?? '', payload: inbound.payload },
      ...replies.map((r) => ({ conversationId, direction: 'outbound' as const, text: r.text, buttons: r.buttons })),
    ];
    // The messages and the state's copy in PostgreSQL (one statement), the state in Redis, at once;
    // both are done before the resident sees an answer.
    await Promise.all([messageLog.record(rows, copy), copy && sessions.save(copy)]);
    return { kind: 'ok', delivered: await deliver(replies, session.lang) };
  }

  /**
   * A notification with buttons reached the resident: typing one of its labels or numbers now
   * answers it, as for the bot's own replies. Not while a dialogue runs: its buttons stay current.
   */
  async shown(channel: Inbound['channel'], userId: string, replies: Reply[]): Promise<void> {
    const buttons = replies.at(-1)?.buttons;
    if (!buttons?.length) return;
    const { guard, sessions } = this.deps;
    await guard.exclusive(channel, userId, [sessions.key(channel, userId)], async ([saved = null]) => {
      const session = await sessions.loaded(channel, userId, saved);
      if (!session || session.flow) return;
      session.buttons = buttons;
      const copy = sessions.snapshot(channel, userId, session);
      await Promise.all([this.deps.messageLog.record([], copy), sessions.save(copy)]);
    });
  }
}
