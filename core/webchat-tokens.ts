import type { Clock } from './platform/clock.js';
import type { Config } from './platform/config.js';
import { timestamp, type Sql } from './platform/sql.js';

const DAY_MS = 86_400_000;
// Deleted a slice at a time, so one run never holds many row locks; the next run takes the rest.
const BATCH = 10_000;

/** Web chat tokens last used at or before this instant are refused (README, WEBCHAT_TOKEN_IDLE_DAYS). */
export function webchatIdleSince(now: Date, idleDays: number): Date {
  return new Date(now.getTime() - idleDays * DAY_MS);
}

/**
 * Deletes web chat tokens idle past WEBCHAT_TOKEN_IDLE_DAYS (already refused by every process):
 * only the credential goes; the resident, their conversations, messages and cases stay.
 * Returns how many it deleted.
 */
export async function deleteIdleWebchatTokens(deps: { sql: Sql; config: Config; now: Clock }): Promise<number> {
  const { rowCount } = await deps.sql.query(
    `DELETE FROM "WebchatSession" WHERE "tokenHash" IN (
       SELECT "tokenHash" FROM "WebchatSession" WHERE "lastSeenAt" <= $1::timestamp LIMIT ${BATCH}
     )`,
    [timestamp(webchatIdleSince(deps.now(), deps.config.WEBCHAT_TOKEN_IDLE_DAYS))],
  );
  return rowCount ?? 0;
}
