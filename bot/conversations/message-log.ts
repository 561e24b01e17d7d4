import { Batch } from '../../core/platform/batch.js';
import type { Db, Prisma } from '../../core/platform/db.js';

/**
 * Every message, in and out, kept verbatim. Writes are grouped (see Batch), so a busy process
 * makes few large inserts instead of one per turn, and one resident's row that PostgreSQL refuses
 * costs no other resident theirs.
 */
export class MessageLog {
  private readonly rows: Batch<Prisma.MessageCreateManyInput>;

  constructor(db: Db) {
    this.rows = new Batch(async (rows) => void (await db.message.createMany({ data: rows, skipDuplicates: true })));
  }

  /** Resolves when the rows are stored. */
  record(rows: Prisma.MessageCreateManyInput[]): Promise<void> {
    return this.rows.add(rows);
  }

  /** Waits for rows already recorded; used on shutdown. */
  drain(): Promise<void> {
    return this.rows.drain();
  }
}
