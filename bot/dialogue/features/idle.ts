import type { Middleware } from '../composer.js';
import type { FlowEngine } from '../flow.js';
import { commandWord, meaningfulLength } from '../text.js';
import { showMenu } from './menu.js';

const GREETINGS = new Set(['你好', '您好', '嗨', '在吗', '在么', '菜单', '开始', 'hi', 'hello', 'hey', 'menu', 'start', '/start']);
const REPORT_WORDS = new Set(['反映问题', '我要反映', '投诉', '举报', '留言', '我要留言', 'report', 'report a problem', 'complaint']);

/** With no flow running: the menu, starting a report, or a report written straight away. */
export function idle(engine: FlowEngine): Middleware {
  return async (ctx) => {
    const word = commandWord(ctx.text);
    if (ctx.payload === 'menu' || GREETINGS.has(word)) return showMenu(ctx, ctx.t('menu.greeting'));
    if (ctx.payload === 'menu:report' || REPORT_WORDS.has(word)) return engine.start(ctx, 'report');
    // A button from a finished dialogue (its flow has ended) is stale; say so rather than misread it.
    if (ctx.inbound.payload !== undefined) return showMenu(ctx, ctx.t('input.staleChoice'));
    const min = ctx.deps.config.DESCRIPTION_MIN_CHARS;
    if (meaningfulLength(ctx.text) >= min) return engine.start(ctx, 'report', { answerNow: true });
    showMenu(ctx, ctx.t('input.notUnderstood', { min }));
  };
}
