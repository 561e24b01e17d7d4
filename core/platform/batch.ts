type Waiter<T> = { items: T[]; resolve: () => void; reject: (err: unknown) => void };

/**
 * Groups writes: items added while a write is in flight go out together in the next one, so a
 * busy process makes few large writes instead of one per turn, and each caller still learns when
 * its items are stored. A failed group is written again item by item, so one bad item never
 * costs anyone else theirs.
 */
export class Batch<T> {
  private waiting: Waiter<T>[] = [];
  private flushing: Promise<void> | undefined;

  constructor(private readonly write: (items: T[]) => Promise<void>) {}

  add(items: T[]): Promise<void> {
    if (items.length === 0) return Promise.resolve();
    return new Promise((resolve, reject) => {
      this.waiting.push({ items, resolve, reject });
      this.flushing ??= this.flush();
    });
  }

  private async flush(): Promise<void> {
    // Let the turns of this tick join the group.
    await new Promise((r) => setImmediate(r));
    while (this.waiting.length > 0) {
      const group = this.waiting.splice(0);
      try {
        await this.write(group.flatMap((w) => w.items));
        group.forEach((w) => w.resolve());
      } catch {
        await Promise.all(group.map((w) => this.oneByOne(w.items).then(w.resolve, w.reject)));
      }
    }
    this.flushing = undefined;
  }

  /** Writes each item on its own, in order; fails with the first failure after trying every item. */
  private async oneByOne(items: T[]): Promise<void> {
    let failure: unknown;
    for (const item of items) await this.write([item]).catch((err: unknown) => (failure ??= err));
    if (failure !== undefined) throw failure;
  }

  /** Waits for what was already added; used on shutdown. */
  async drain(): Promise<void> {
    await this.flushing;
  }
}
