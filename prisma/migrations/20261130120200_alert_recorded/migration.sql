-- An alerted event is marked in its own transaction until its alert job recorded the
-- AlertDelivery rows: the reconciler queues the alert again when Redis lost the job. Few rows are
-- marked at a time, so the reconciler reads them through a partial index (Prisma's schema cannot
-- express one, so it is kept here only). Events written before this migration are not marked.
ALTER TABLE "CaseEvent" ADD COLUMN "alertDue" BOOLEAN NOT NULL DEFAULT false;
CREATE INDEX "CaseEvent_alertDue" ON "CaseEvent" ("at") WHERE "alertDue";
