-- CreateEnum
CREATE TYPE "CaseRequestKind" AS ENUM ('extension', 'handback');

-- CreateEnum
CREATE TYPE "CaseRequestStatus" AS ENUM ('pending', 'approved', 'refused');

-- AlterEnum
ALTER TYPE "CaseStatus" ADD VALUE 'in_review';

-- AlterTable
ALTER TABLE "Case" ADD COLUMN     "extensionCount" INTEGER NOT NULL DEFAULT 0,
ADD COLUMN     "returnedCount" INTEGER NOT NULL DEFAULT 0;

-- AlterTable
ALTER TABLE "Attachment" ADD COLUMN     "caseId" UUID;

-- CreateTable
CREATE TABLE "CaseRequest" (
    "id" UUID NOT NULL,
    "caseId" UUID NOT NULL,
    "kind" "CaseRequestKind" NOT NULL,
    "status" "CaseRequestStatus" NOT NULL DEFAULT 'pending',
    "until" TIMESTAMP(3),
    "text" TEXT NOT NULL,
    "staffId" UUID NOT NULL,
    "departmentId" UUID,
    "createdAt" TIMESTAMP(3) NOT NULL,
    "decidedById" UUID,
    "decidedAt" TIMESTAMP(3),
    "decision" TEXT,

    CONSTRAINT "CaseRequest_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "TopicCorrection" (
    "id" UUID NOT NULL,
    "caseId" UUID NOT NULL,
    "text" TEXT NOT NULL,
    "fromTopic" TEXT,
    "toTopic" TEXT NOT NULL,
    "staffId" UUID NOT NULL,
    "at" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "TopicCorrection_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "PlaceCorrection" (
    "id" UUID NOT NULL,
    "caseId" UUID NOT NULL,
    "text" TEXT NOT NULL,
    "fromPlace" TEXT,
    "toPlace" TEXT,
    "fromRegion" TEXT,
    "toRegion" TEXT,
    "staffId" UUID NOT NULL,
    "at" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "PlaceCorrection_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "CaseRequest_status_createdAt_idx" ON "CaseRequest"("status", "createdAt");

-- CreateIndex
CREATE INDEX "CaseRequest_caseId_idx" ON "CaseRequest"("caseId");

-- CreateIndex
CREATE INDEX "TopicCorrection_at_idx" ON "TopicCorrection"("at");

-- CreateIndex
CREATE INDEX "PlaceCorrection_at_idx" ON "PlaceCorrection"("at");

-- CreateIndex
CREATE INDEX "Attachment_caseId_idx" ON "Attachment"("caseId");

-- AddForeignKey
ALTER TABLE "Attachment" ADD CONSTRAINT "Attachment_caseId_fkey" FOREIGN KEY ("caseId") REFERENCES "Case"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "CaseRequest" ADD CONSTRAINT "CaseRequest_caseId_fkey" FOREIGN KEY ("caseId") REFERENCES "Case"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "CaseRequest" ADD CONSTRAINT "CaseRequest_staffId_fkey" FOREIGN KEY ("staffId") REFERENCES "Staff"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "CaseRequest" ADD CONSTRAINT "CaseRequest_decidedById_fkey" FOREIGN KEY ("decidedById") REFERENCES "Staff"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "TopicCorrection" ADD CONSTRAINT "TopicCorrection_caseId_fkey" FOREIGN KEY ("caseId") REFERENCES "Case"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "PlaceCorrection" ADD CONSTRAINT "PlaceCorrection_caseId_fkey" FOREIGN KEY ("caseId") REFERENCES "Case"("id") ON DELETE RESTRICT ON UPDATE CASCADE;


-- One pending request per case: a second request while one waits for a decision is refused.
CREATE UNIQUE INDEX "CaseRequest_one_pending_per_case" ON "CaseRequest"("caseId") WHERE "status" = 'pending';
