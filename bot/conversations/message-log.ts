import type { Db, Prisma } from '../platform/db.js';

type Waiter = { rows: Prisma.MessageCreateManyInput[]; resolve: () => void; reject: (err: unknown) => void };

/**
 * Every message, in and out, kept verbatim. Writes are grouped: rows recorded while a write is
 * in flight go out together in the next one, so a busy process makes few large inserts instead
 * of one per turn, and each caller still learns when its rows are stored.
 */
export class MessageLog {
  private waiting: Waiter[] = [];
  private flushing: Promise<void> | undefined;

  constructor(private readonly db: Db) {}

  record(rows: Prisma.MessageCreateManyInput[]): Promise<void> {
    if (rows.length === 0) return Promise.resolve();
    return new Promise((resolve, reject) => {
      this.waiting.push({ rows, resolve, reject });
      this.flushing ??= this.flush();
    });
  }

  private async flush(): Promise<void> {
    // Let the turns of this tick join the batch.
    await new Promise((r) => setImmediate(r));
    while (this.waiting.length > 0) {
      const batch = this.waiting.splice(0);
      try {
        await this.insert(batch.flatMap((w) => w.rows));
        batch.forEach((w) => w.resolve());
      } catch {
        // One bad row must not cost anyone else theirs: the batch is written again row by row.
        await Promise.all(batch.map((w) => this.oneByOne(w.rows).then(w.resolve, w.reject)));
      }
    }
    this.flushing = undefined;
  }

  private async insert(rows: Prisma.MessageCreateManyInput[]): Promise<void> {
    await this.db.message.createMany({ data: rows, skipDuplicates: true });
  }

  /** Writes each row on its own, in order; fails with the first failure after trying every row. */
  private async oneByOne(rows: Prisma.MessageCreateManyInput[]): Promise<void> {
    let failure: unknown;
    for (const row of rows) await this.insert([row]).catch((err: unknown) => (failure ??= err));
    if (failure !== undefined) throw failure;
  }

  /** Waits for rows already recorded; used on shutdown. */
  async drain(): Promise<void> {
    await this.flushing;
  }
}
