import { randomUUID } from 'node:crypto';
import { Batch } from '../../core/platform/batch.js';
import type { Sql } from '../../core/platform/sql.js';
import type { Button } from '../../core/messages.js';

export type LogRow = {
  conversationId: string;
  direction: 'inbound' | 'outbound';
  externalId?: string | null;
  text: string;
  payload?: string | null;
  buttons?: Button[] | null;
};

/** The copy in PostgreSQL of a resident's dialogue state (see SessionStore). */
export type DialogueCopy = { channel: string; externalId: string; state: string; savedAt: Date };

type Turn = { rows: LogRow[]; copy?: DialogueCopy };

/**
 * Every message, in and out, kept verbatim. Writes are grouped (see Batch), so a busy process
 * makes few large inserts instead of one per turn, and one resident's row that PostgreSQL refuses
 * costs no other resident theirs. A turn's messages and the copy of its dialogue state go in one
 * statement: one round trip, and they are stored together or not at all.
 */
export class MessageLog {
  private readonly turns: Batch<Turn>;

  constructor(sql: Sql) {
    this.turns = new Batch((turns) => write(sql, turns));
  }

  /** Resolves when the rows (and the dialogue copy, if any) are stored. */
  record(rows: LogRow[], copy?: DialogueCopy): Promise<void> {
    if (rows.length === 0 && !copy) return Promise.resolve();
    return this.turns.add([{ rows, copy }]);
  }

  /** Waits for rows already recorded; used on shutdown. */
  drain(): Promise<void> {
    return this.turns.drain();
  }
}

async function write(sql: Sql, turns: Turn[]): Promise<void> {
  const rows = turns.flatMap((t) => t.rows);
  // The newest state of each resident, and never over a newer one another process wrote.
  const copies = [...new Map(turns.flatMap((t) => (t.copy ? [t.copy] : [])).map((c) => [`${c.channel}\n${c.externalId}`, c])).values()];
  // Plain pg with one array per column: Prisma costs far more CPU per statement and per row on
  // this path (every turn), and this way both tables are written in one round trip. "at" is the
  // database's time, as before.
  await sql.query(
    `WITH messages AS (
      INSERT INTO "Message" ("id", "conversationId", "direction", "externalId", "text", "payload", "buttons")
      SELECT i::uuid, c::uuid, d::"Direction", e, t, p, b::jsonb
      FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[]) AS x(i, c, d, e, t, p, b)
      ON CONFLICT DO NOTHING
    )
    INSERT INTO "DialogueState" ("channel", "externalId", "state", "savedAt")
    SELECT c, e, s::jsonb, (t::timestamptz AT TIME ZONE 'UTC')
    FROM unnest($8::text[], $9::text[], $10::text[], $11::text[]) AS x(c, e, s, t)
    ON CONFLICT ("channel", "externalId") DO UPDATE SET "state" = excluded."state", "savedAt" = excluded."savedAt"
    WHERE "DialogueState"."savedAt" <= excluded."savedAt"`,
    [
      rows.map(() => randomUUID()),
      rows.map((r) => r.conversationId),
      rows.map((r) => r.direction),
      rows.map((r) => r.externalId ?? null),
      rows.map((r) => r.text),
      rows.map((r) => r.payload ?? null),
      rows.map((r) => (r.buttons ? JSON.stringify(r.buttons) : null)),
      copies.map((r) => r.channel),
      copies.map((r) => r.externalId),
      copies.map((r) => r.state),
      copies.map((r) => r.savedAt.toISOString()),
    ],
  );
}
