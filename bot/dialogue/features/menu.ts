import type { Context } from '../context.js';

export function showMenu(ctx: Context, text: string): void {
  ctx.reply(text, [
    ctx.button('menu.report', 'menu:report'),
    ctx.button('menu.status', 'menu:status'),
    ctx.button('menu.human', 'menu:human'),
    ctx.button('menu.help', 'menu:help'),
  ]);
}
