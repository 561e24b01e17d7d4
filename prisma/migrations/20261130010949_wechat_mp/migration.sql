-- AlterEnum
ALTER TYPE "Channel" ADD VALUE 'wechat-mp';

-- AlterTable
ALTER TABLE "Resident" ADD COLUMN     "unsubscribedAt" TIMESTAMP(3);

