import type { Context } from './context.js';

export type NextFn = () => Promise<void>;
export type Middleware = (ctx: Context, next: NextFn) => Promise<void> | void;

/** A chain of middleware, as in grammY: each handles the turn or passes it on with next(). */
export class Composer {
  private readonly stack: Middleware[] = [];

  use(...middleware: Middleware[]): this {
    this.stack.push(...middleware);
    return this;
  }

  middleware(): Middleware {
    const stack = [...this.stack];
    return (ctx, next) => {
      const run = async (i: number): Promise<void> => {
        const mw = stack[i];
        if (!mw) return next();
        await mw(ctx, () => run(i + 1));
      };
      return run(0);
    };
  }
}
