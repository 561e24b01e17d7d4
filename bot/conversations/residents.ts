import { randomUUID } from 'node:crypto';
import type { Lang } from '../../core/i18n/index.js';
import type { Channel } from '../../core/platform/db.js';
import { storedChannel, type Sql } from '../../core/platform/sql.js';

/**
 * Finds or creates the resident behind a channel identity and opens a conversation, in one
 * statement (one round trip on a resident's first turn). Runs once per dialogue session, not per
 * message: the ids then live in the session.
 */
export async function openConversation(
  sql: Sql,
  channel: Channel,
  externalId: string,
  lang: Lang | undefined,
): Promise<{ residentId: string; conversationId: string; lang: Lang }> {
  // "DO UPDATE" with no change, so that an existing resident's row is returned too. The column
  // holds the enum's database spelling (@map: wechat_mp is "wechat-mp"), not Prisma's name.
  const { rows } = await sql.query<{ residentId: string; conversationId: string; lang: Lang }>(
    `WITH resident AS (
      INSERT INTO "Resident" ("id", "channel", "externalId", "language")
      VALUES ($1::uuid, $2::"Channel", $3, COALESCE($4::"Language", 'zh'))
      ON CONFLICT ("channel", "externalId") DO UPDATE SET "channel" = excluded."channel"
      RETURNING "id", "language"
    ), conversation AS (
      INSERT INTO "Conversation" ("id", "residentId") SELECT $5::uuid, "id" FROM resident RETURNING "id"
    )
    SELECT resident."id"::text AS "residentId", conversation."id"::text AS "conversationId", resident."language"::text AS "lang"
    FROM resident, conversation`,
    [randomUUID(), storedChannel(channel), externalId, lang ?? null, randomUUID()],
  );
  return rows[0]!;
}
