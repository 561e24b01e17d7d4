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
        await this.db.message.createMany({ data: batch.flatMap((w) => w.rows), skipDuplicates: true });
        batch.forEach((w) => w.resolve());
      } catch (err) {
        batch.forEach((w) => w.reject(err));
      }
    }
    this.flushing = undefined;
  }

  /** Waits for rows already recorded; used on shutdown. */
  async drain(): Promise<void> {
    await this.flushing;
  }
}
