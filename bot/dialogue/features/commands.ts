import type { Middleware } from '../composer.js';
import type { Context } from '../context.js';
import type { FlowEngine } from '../flow.js';
import { deadlineDays } from '../../../core/faq/faq.js';
import { recognizeServiceQuestion, type Intent } from '../../../nlp-models/index.js';
import { requestHandoff } from '../request-handoff.js';
import { showMenu } from './menu.js';

type Command = 'cancel' | 'back' | 'help' | 'human' | 'lang:zh' | 'lang:en' | 'service';

const BY_INTENT = new Map<Intent, Command>([
  ['cancel', 'cancel'], ['back', 'back'], ['help', 'help'], ['handoff', 'human'], ['lang_zh', 'lang:zh'], ['lang_en', 'lang:en'], ['service', 'service'],
]);
// Maps, not objects: a payload the resident sends ("constructor", "__proto__") finds no inherited member.
const BY_PAYLOAD = new Map<string, Command>([
  ['cancel', 'cancel'], ['back', 'back'], ['menu:help', 'help'], ['menu:human', 'human'], ['lang:zh', 'lang:zh'], ['lang:en', 'lang:en'],
]);

function commandOf(ctx: Context): Command | undefined {
  if (ctx.payload !== undefined) return BY_PAYLOAD.get(ctx.payload);
  return ctx.intent && BY_INTENT.get(ctx.intent);
}

/**
 * The answer to a question about the service ("你们是干什么的", "要多久"): the office's FAQ entry
 * for it (the example FAQ holds these questions, and the office may edit them), else the built-in text.
 */
async function serviceAnswer(ctx: Context): Promise<string> {
  const days = deadlineDays(ctx.deps.config);
  const fromFaq = await ctx.deps.faq.answer(ctx.text, ctx.lang, days);
  return fromFaq?.text ?? ctx.t(`service.${recognizeServiceQuestion(ctx.text) ?? 'about'}`, days);
}

/** Cancel, back, help, a person, the language and questions about the service work the same at every point of every flow. */
export function globalCommands(engine: FlowEngine): Middleware {
  return async (ctx, next) => {
    const command = commandOf(ctx);
    switch (command) {
      case 'cancel':
        if (!ctx.session.flow) {
          // Nothing being filled in: "cancel" may mean leaving the queue for a person.
          const left = await ctx.deps.handoff.leaveQueue(ctx.session.residentId);
          return showMenu(ctx, ctx.t(left ? 'handoff.left' : 'nav.nothingToCancel'));
        }
        ctx.session.flow = undefined;
        return showMenu(ctx, ctx.t('nav.cancelled'));
      case 'back':
        if (await engine.back(ctx)) return;
        ctx.session.flow = undefined;
        return showMenu(ctx, ctx.t('menu.greeting'));
      case 'help': {
        const at = engine.position(ctx);
        if (!at) return showMenu(ctx, ctx.t('help.idle'));
        ctx.reply(ctx.t('help.step', { index: at.index, total: at.total, step: ctx.t(at.title), hint: ctx.t(at.hint) }));
        return engine.repeat(ctx);
      }
      case 'human':
        await requestHandoff(ctx, 'asked');
        return engine.repeat(ctx);
      case 'lang:zh':
      case 'lang:en': {
        const lang = command === 'lang:en' ? 'en' : 'zh';
        ctx.session.lang = lang;
        await ctx.deps.db.resident.update({ where: { id: ctx.session.residentId }, data: { language: lang } });
        if (ctx.session.flow) {
          ctx.reply(ctx.t('lang.switched'));
          return engine.repeat(ctx);
        }
        return showMenu(ctx, `${ctx.t('lang.switched')}\n${ctx.t('menu.greeting')}`);
      }
      case 'service':
        if (!ctx.session.flow) return showMenu(ctx, await serviceAnswer(ctx));
        ctx.reply(await serviceAnswer(ctx));
        return engine.repeat(ctx);
      default:
        // Not a command: the rest of the dialogue answers it.
        return next();
    }
  };
}
