import type { Prisma } from '../platform/db.js';
import { localDate } from '../routing/working-days.js';

/**
 * The next human-friendly case number, e.g. QH2611250001: prefix, local date (YYMMDD) and the
 * day's serial. One atomic upsert, so concurrent workers never hand out the same number.
 */
export async function nextCaseNumber(tx: Prisma.TransactionClient, prefix: string, now: Date, timeZone: string): Promise<string> {
  const day = localDate(now, timeZone).replaceAll('-', '').slice(2);
  const [row] = await tx.$queryRaw<{ last: number }[]>`
    INSERT INTO "CaseNumberCounter" ("day", "last") VALUES (${day}, 1)
    ON CONFLICT ("day") DO UPDATE SET "last" = "CaseNumberCounter"."last" + 1
    RETURNING "last"`;
  return `${prefix}${day}${String(row!.last).padStart(4, '0')}`;
}
