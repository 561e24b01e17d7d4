-- AlterTable
ALTER TABLE "Case" ADD COLUMN     "source" TEXT,
ADD COLUMN     "sourceId" TEXT;

-- AlterTable
ALTER TABLE "FaqAsk" ADD COLUMN     "question" TEXT;

-- CreateIndex
CREATE INDEX "Case_status_topic_closedAt_idx" ON "Case"("status", "topic", "closedAt");

-- CreateIndex
CREATE UNIQUE INDEX "Case_source_sourceId_key" ON "Case"("source", "sourceId");

