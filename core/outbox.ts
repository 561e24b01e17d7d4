import { randomUUID } from 'node:crypto';
import { encodeFeatures, featuresOf } from './cases/similarity.js';
import type { Clock } from './platform/clock.js';
import type { Prisma } from './platform/db.js';
import type { Logger } from './platform/log.js';
import { inTransaction, isUniqueViolation, oneStatement, storedChannel, timestamp, type Queryable, type Sql, type Statement } from './platform/sql.js';
import type { Queues } from './queues.js';

export type OutboxDeps = { sql: Sql; queues: Pick<Queues, 'intake'>; log: Logger; now: Clock };

/**
 * The report as confirmed, typed from the schema; with a `draftId`, filing the same draft again
 * files nothing new. The day it happened is written YYYY-MM-DD.
 */
export type Report = Omit<Prisma.SubmissionUncheckedCreateInput, 'id' | 'createdAt' | 'attachments' | 'case' | 'features' | 'occurredOn'> & {
  occurredOn?: string | null;
};

export type Filing = {
  submission: Report;
  /** Photos and files already stored, now attached to the report. */
  attachments?: string[];
  /** The caller's own writes that belong with the report (e.g. the handoff it came from). */
  also?: (client: Queryable, submissionId: string) => Promise<unknown>;
};

/**
 * The report, its attachments and the resident's phone (kept for their next report) as one
 * statement: stored together or not at all, in one round trip.
 */
function reportStatement(id: string, filing: Filing, at: Date): Statement {
  const s = filing.submission;
  // The features here, as the resident confirms, rather than in the intake's serial path.
  const features = encodeFeatures(featuresOf(s.description));
  const statements: Statement[] = [
    {
      text: `INSERT INTO "Submission" ("id", "draftId", "residentId", "conversationId", "channel", "language", "description", "topic", "topicConfidence",
               "placeText", "regionCode", "phone", "occurredOn", "urgent", "createdAt", "features")
             VALUES ($1::uuid, $2, $3::uuid, $4::uuid, $5::"Channel", $6::"Language", $7, $8, $9::float8, $10, $11, $12, $13::date, $14, $15::timestamp, $16::bytea)`,
      values: [
        id, s.draftId ?? null, s.residentId, s.conversationId, storedChannel(s.channel), s.language, s.description, s.topic ?? null, s.topicConfidence ?? null,
        s.placeText ?? null, s.regionCode ?? null, s.phone ?? null, s.occurredOn ?? null, s.urgent ?? false, timestamp(at), features,
      ],
    },
  ];
  if (filing.attachments?.length) {
    statements.push({ text: `UPDATE "Attachment" SET "submissionId" = $1::uuid WHERE "id" = ANY($2::uuid[])`, values: [id, filing.attachments] });
  }
  if (s.phone) statements.push({ text: `UPDATE "Resident" SET "phone" = $1 WHERE "id" = $2::uuid`, values: [s.phone, s.residentId] });
  return oneStatement(statements);
}

/**
 * Every path that files a report comes here (the outbox). The report, its attachments, the
 * resident's phone and the caller's own rows are written together: on any failure nothing is
 * kept and the report may simply be filed again. Then the intake is queued with the report's id
 * as job id; when Redis refuses it, the reconciler queues it later, so that is no error for the
 * resident or staff. Returns the report's id and whether this call created it.
 */
export async function fileReport(deps: OutboxDeps, filing: Filing): Promise<{ submissionId: string; created: boolean }> {
  const { sql, queues, log } = deps;
  const { draftId } = filing.submission;
  const id = randomUUID();
  // The reconciler compares the report's time with the same clock.
  const statement = reportStatement(id, filing, deps.now());
  // No look for an earlier filing first: the draft's unique id finds it below, and the common
  // case (the first confirm) saves a query.
  try {
    if (filing.also) {
      const also = filing.also;
      await inTransaction(sql, async (client) => {
        await client.query(statement);
        await also(client, id);
      });
    } else {
      await sql.query(statement);
    }
  } catch (err) {
    // The same draft filed before (or twice at the same moment): the unique draft id kept the other one.
    if (!(draftId && isUniqueViolation(err))) throw err;
    const { rows } = await sql.query<{ id: string }>(`SELECT "id" FROM "Submission" WHERE "draftId" = $1`, [draftId]);
    if (!rows[0]) throw err;
    return { submissionId: rows[0].id, created: false };
  }
  try {
    await queues.intake.add('intake', { submissionId: id }, { jobId: id });
  } catch (err) {
    log.warn({ err, submissionId: id }, 'could not queue submission; the reconciler will');
  }
  return { submissionId: id, created: true };
}
