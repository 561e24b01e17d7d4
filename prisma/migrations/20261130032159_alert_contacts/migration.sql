-- CreateEnum
CREATE TYPE "AlertKind" AS ENUM ('wecom', 'dingtalk', 'email');

-- AlterTable
ALTER TABLE "Department" ADD COLUMN     "alertDigest" BOOLEAN NOT NULL DEFAULT false;

-- CreateTable
CREATE TABLE "AlertContact" (
    "id" UUID NOT NULL,
    "departmentId" UUID NOT NULL,
    "kind" "AlertKind" NOT NULL,
    "url" TEXT,
    "secret" TEXT,
    "to" TEXT[],
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "AlertContact_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "AlertDelivery" (
    "key" TEXT NOT NULL,
    "contactId" UUID NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL,
    "attempts" INTEGER NOT NULL DEFAULT 0,
    "lastError" TEXT,
    "deliveredAt" TIMESTAMP(3),

    CONSTRAINT "AlertDelivery_pkey" PRIMARY KEY ("key","contactId")
);

-- CreateIndex
CREATE INDEX "AlertContact_departmentId_idx" ON "AlertContact"("departmentId");

-- CreateIndex
CREATE INDEX "AlertDelivery_contactId_deliveredAt_idx" ON "AlertDelivery"("contactId", "deliveredAt");

-- AddForeignKey
ALTER TABLE "AlertContact" ADD CONSTRAINT "AlertContact_departmentId_fkey" FOREIGN KEY ("departmentId") REFERENCES "Department"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "AlertDelivery" ADD CONSTRAINT "AlertDelivery_contactId_fkey" FOREIGN KEY ("contactId") REFERENCES "AlertContact"("id") ON DELETE CASCADE ON UPDATE CASCADE;

