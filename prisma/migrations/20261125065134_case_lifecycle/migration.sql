-- CreateEnum
CREATE TYPE "Satisfaction" AS ENUM ('satisfied', 'basic', 'unsatisfied');

-- CreateEnum
CREATE TYPE "StaffRole" AS ENUM ('admin', 'supervisor', 'handler');

-- AlterTable
ALTER TABLE "Case" ADD COLUMN     "closedAt" TIMESTAMP(3),
ADD COLUMN     "duplicateOfId" UUID,
ADD COLUMN     "firstResponseAt" TIMESTAMP(3),
ADD COLUMN     "overdueAt" TIMESTAMP(3),
ADD COLUMN     "remindedAt" TIMESTAMP(3),
ADD COLUMN     "resolvedAt" TIMESTAMP(3),
ADD COLUMN     "satisfaction" "Satisfaction",
ADD COLUMN     "supervisedAt" TIMESTAMP(3);

-- AlterTable
ALTER TABLE "CaseEvent" ADD COLUMN     "fromStatus" "CaseStatus",
ADD COLUMN     "note" TEXT,
ADD COLUMN     "toStatus" "CaseStatus";

-- CreateTable
CREATE TABLE "Staff" (
    "id" UUID NOT NULL,
    "username" TEXT NOT NULL,
    "displayName" TEXT,
    "role" "StaffRole" NOT NULL,
    "departmentId" UUID,
    "passwordHash" TEXT NOT NULL,
    "failedLogins" INTEGER NOT NULL DEFAULT 0,
    "lockedUntil" TIMESTAMP(3),
    "disabled" BOOLEAN NOT NULL DEFAULT false,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "Staff_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "Holiday" (
    "day" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "workday" BOOLEAN NOT NULL DEFAULT false,

    CONSTRAINT "Holiday_pkey" PRIMARY KEY ("day")
);

-- CreateIndex
CREATE UNIQUE INDEX "Staff_username_key" ON "Staff"("username");

-- CreateIndex
CREATE INDEX "Case_regionCode_topic_createdAt_idx" ON "Case"("regionCode", "topic", "createdAt");

-- CreateIndex
CREATE INDEX "Case_createdAt_idx" ON "Case"("createdAt");

-- AddForeignKey
ALTER TABLE "Case" ADD CONSTRAINT "Case_duplicateOfId_fkey" FOREIGN KEY ("duplicateOfId") REFERENCES "Case"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "Staff" ADD CONSTRAINT "Staff_departmentId_fkey" FOREIGN KEY ("departmentId") REFERENCES "Department"("id") ON DELETE SET NULL ON UPDATE CASCADE;

