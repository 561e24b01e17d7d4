-- CreateEnum
CREATE TYPE "HandoffStatus" AS ENUM ('waiting', 'held', 'released');

-- CreateEnum
CREATE TYPE "HandoffReason" AS ENUM ('asked', 'not_understood', 'urgent');

-- AlterTable
ALTER TABLE "Message" ADD COLUMN     "author" TEXT;

-- CreateTable
CREATE TABLE "Handoff" (
    "id" UUID NOT NULL,
    "conversationId" UUID NOT NULL,
    "residentId" UUID NOT NULL,
    "reason" "HandoffReason" NOT NULL,
    "status" "HandoffStatus" NOT NULL DEFAULT 'waiting',
    "staffId" UUID,
    "submissionId" UUID,
    "caseId" UUID,
    "requestedAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "claimedAt" TIMESTAMP(3),
    "releasedAt" TIMESTAMP(3),
    "offeredReportAt" TIMESTAMP(3),

    CONSTRAINT "Handoff_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "Handoff_status_requestedAt_idx" ON "Handoff"("status", "requestedAt");

-- AddForeignKey
ALTER TABLE "Handoff" ADD CONSTRAINT "Handoff_conversationId_fkey" FOREIGN KEY ("conversationId") REFERENCES "Conversation"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Handoff" ADD CONSTRAINT "Handoff_residentId_fkey" FOREIGN KEY ("residentId") REFERENCES "Resident"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Handoff" ADD CONSTRAINT "Handoff_staffId_fkey" FOREIGN KEY ("staffId") REFERENCES "Staff"("id") ON DELETE SET NULL ON UPDATE CASCADE;


-- At most one open handoff per resident (Prisma cannot declare a partial unique index).
CREATE UNIQUE INDEX "Handoff_one_open_per_resident" ON "Handoff"("residentId") WHERE "status" IN ('waiting', 'held');
