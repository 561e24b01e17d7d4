import type { z } from 'zod';
import type { TextKey } from '../../core/i18n/index.js';
import type { Context } from './context.js';
import type { Middleware } from './composer.js';
import type { Reply } from '../../core/messages.js';
import { requestHandoff } from './request-handoff.js';

/** What reading an answer leads to. */
export type Outcome<D> =
  | { kind: 'next'; patch?: Partial<D> }
  /**
   * Ask again with this reply; the patch keeps what was understood so far. A retry counts as not
   * understood (two in a row go to a person) unless `miss` is false (a fuller list was asked for).
   */
  | { kind: 'retry'; reply: Reply; patch?: Partial<D>; miss?: false }
  /** Jump to another step (editing from the summary); come back here afterwards. */
  | { kind: 'goto'; step: string }
  | { kind: 'finish' };

export interface Step<D> {
  id: string;
  /** Name and hint of the step, for "help". */
  title: TextKey;
  hint: TextKey;
  /** True when the answer is already known (e.g. the place was in the description). */
  skip?(data: D): boolean;
  prompt(ctx: Context, data: D): Reply | Promise<Reply>;
  read(ctx: Context, data: D): Outcome<D> | Promise<Outcome<D>>;
}

/** A dialogue declared as a list of steps; one engine runs every flow. */
export interface Flow<D extends Record<string, unknown>> {
  name: string;
  schema: z.ZodType<D>;
  steps: Step<D>[];
  finish(ctx: Context, data: D): Promise<void>;
}

// Flows differ in their data type; the engine only moves records between steps.
type AnyFlow = Flow<Record<string, unknown>>;

// Every question offers a way back, out, and to a person, whatever its own buttons.
const NAV = [
  ['nav.back', 'back'],
  ['nav.cancel', 'cancel'],
  ['menu.human', 'menu:human'],
] as const satisfies readonly (readonly [TextKey, string])[];
const NAV_PAYLOADS = new Set<string>(NAV.map(([, payload]) => payload));

function sendPrompt(ctx: Context, reply: Reply): void {
  const own = reply.buttons ?? [];
  const nav = NAV.filter(([, payload]) => !own.some((b) => b.payload === payload)).map(([key, payload]) => ctx.button(key, payload));
  ctx.reply(reply.text, [...own, ...nav]);
}

/** An answer the step could not use: the second in a row puts the resident in the queue for a person. */
async function missed(ctx: Context): Promise<void> {
  ctx.session.misses += 1;
  if (ctx.session.misses < 2) return;
  ctx.session.misses = 0;
  await requestHandoff(ctx, 'not_understood');
}

function stepOf(flow: AnyFlow, id: string): Step<Record<string, unknown>> {
  const step = flow.steps.find((s) => s.id === id);
  if (!step) throw new Error(`flow ${flow.name} has no step ${id}`);
  return step;
}

function nextStepAfter(flow: AnyFlow, id: string, data: Record<string, unknown>): string | undefined {
  const from = flow.steps.findIndex((s) => s.id === id);
  return flow.steps.slice(from + 1).find((s) => !s.skip?.(data))?.id;
}

async function enter(ctx: Context, flow: AnyFlow, stepId: string): Promise<void> {
  const state = ctx.session.flow!;
  state.step = stepId;
  sendPrompt(ctx, await stepOf(flow, stepId).prompt(ctx, flow.schema.parse(state.data)));
}

/** Read the current input as the answer to the current step and act on the outcome. */
async function answer(ctx: Context, flow: AnyFlow): Promise<void> {
  const state = ctx.session.flow!;
  const step = stepOf(flow, state.step);
  const data = flow.schema.parse(state.data);
  const outcome = await step.read(ctx, data);
  if (outcome.kind !== 'retry') ctx.session.misses = 0;
  switch (outcome.kind) {
    case 'retry':
      Object.assign(state.data, outcome.patch);
      // The handoff notice first: the question's buttons stay the current ones.
      if (outcome.miss !== false) await missed(ctx);
      return sendPrompt(ctx, outcome.reply);
    case 'goto':
      state.returnTo = state.step;
      state.history.push(state.step);
      return enter(ctx, flow, outcome.step);
    case 'finish':
      ctx.session.flow = undefined;
      return flow.finish(ctx, data);
    case 'next': {
      Object.assign(state.data, outcome.patch);
      const target = state.returnTo ?? nextStepAfter(flow, state.step, state.data);
      state.returnTo = undefined;
      state.history.push(state.step);
      if (!target) {
        ctx.session.flow = undefined;
        return flow.finish(ctx, flow.schema.parse(state.data));
      }
      return enter(ctx, flow, target);
    }
  }
}

export class FlowEngine {
  private readonly flows = new Map<string, AnyFlow>();

  register<D extends Record<string, unknown>>(flow: Flow<D>): this {
    this.flows.set(flow.name, flow as unknown as AnyFlow);
    return this;
  }

  private get(name: string): AnyFlow {
    const flow = this.flows.get(name);
    if (!flow) throw new Error(`unknown flow ${name}`);
    return flow;
  }

  /**
   * Start a flow, optionally with answers already known; with `answerNow` the current message is
   * read as the first step's answer.
   */
  async start(ctx: Context, name: string, opts: { answerNow?: boolean; data?: Record<string, unknown> } = {}): Promise<void> {
    const flow = this.get(name);
    const first = flow.steps[0]!.id;
    ctx.session.flow = { name, step: first, data: { ...opts.data }, history: [] };
    if (opts.answerNow) await answer(ctx, flow);
    else await enter(ctx, flow, first);
  }

  /** Which flow and step the resident is at, if any. */
  current(ctx: Context): { flow: string; step: string } | undefined {
    const state = ctx.session.flow;
    return state && { flow: state.name, step: state.step };
  }

  /** Step back; at the first step, leave the flow. Returns false when there was nowhere to go back to. */
  async back(ctx: Context): Promise<boolean> {
    const state = ctx.session.flow;
    const previous = state?.history.pop();
    if (!state || !previous) return false;
    state.returnTo = undefined;
    await enter(ctx, this.get(state.name), previous);
    return true;
  }

  /** Show the current step's question again. */
  async repeat(ctx: Context): Promise<void> {
    const state = ctx.session.flow;
    if (state) await enter(ctx, this.get(state.name), state.step);
  }

  /** Where the resident is, for "help". */
  position(ctx: Context): { index: number; total: number; title: TextKey; hint: TextKey } | undefined {
    const state = ctx.session.flow;
    if (!state) return undefined;
    const flow = this.get(state.name);
    const index = flow.steps.findIndex((s) => s.id === state.step);
    const step = flow.steps[index]!;
    return { index: index + 1, total: flow.steps.length, title: step.title, hint: step.hint };
  }

  /**
   * Middleware: a message during a flow is the answer to its current step. A button from an
   * older message, of a kind not shown with the current question (a menu button while a topic
   * is asked, say), is not read as an answer: the question is repeated.
   */
  middleware(): Middleware {
    return async (ctx, next) => {
      const state = ctx.session.flow;
      if (!state) return next();
      const pressed = ctx.inbound.payload;
      const kind = (payload: string) => payload.split(':')[0];
      const current = ctx.session.buttons.filter((b) => !NAV_PAYLOADS.has(b.payload));
      if (pressed !== undefined && !current.some((b) => kind(b.payload) === kind(pressed))) {
        ctx.reply(ctx.t('input.staleChoice'));
        return this.repeat(ctx);
      }
      await answer(ctx, this.get(state.name));
    };
  }
}
