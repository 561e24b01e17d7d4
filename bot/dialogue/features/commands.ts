import type { Middleware } from '../composer.js';
import type { Context } from '../context.js';
import type { FlowEngine } from '../flow.js';
import { commandWord } from '../text.js';
import { showMenu } from './menu.js';

type Command = 'cancel' | 'back' | 'help' | 'human' | 'lang:zh' | 'lang:en';

const WORDS: Record<string, Command> = {
  取消: 'cancel', 算了: 'cancel', 不报了: 'cancel', cancel: 'cancel', '/cancel': 'cancel',
  返回: 'back', 上一步: 'back', back: 'back',
  帮助: 'help', 怎么用: 'help', help: 'help', '/help': 'help', '?': 'help', '？': 'help',
  转人工: 'human', 人工: 'human', 人工服务: 'human', 人工客服: 'human', human: 'human', agent: 'human',
  english: 'lang:en', 英文: 'lang:en', 中文: 'lang:zh', chinese: 'lang:zh', 简体中文: 'lang:zh',
};
const PAYLOADS: Record<string, Command> = {
  cancel: 'cancel', back: 'back', 'menu:help': 'help', 'menu:human': 'human', 'lang:zh': 'lang:zh', 'lang:en': 'lang:en',
};

function commandOf(ctx: Context): Command | undefined {
  return ctx.payload !== undefined ? PAYLOADS[ctx.payload] : WORDS[commandWord(ctx.text)];
}

/** Cancel, back, help, a person and the language work the same at every point of every flow. */
export function globalCommands(engine: FlowEngine): Middleware {
  return async (ctx, next) => {
    const command = commandOf(ctx);
    switch (command) {
      case undefined:
        return next();
      case 'cancel':
        if (!ctx.session.flow) return showMenu(ctx, ctx.t('nav.nothingToCancel'));
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
        await ctx.deps.db.conversation.update({
          where: { id: ctx.session.conversationId },
          data: { handoffRequestedAt: new Date() },
        });
        ctx.deps.log.info({ conversationId: ctx.session.conversationId }, 'resident asked for a person');
        ctx.reply(ctx.t('handoff.requested'));
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
    }
  };
}
