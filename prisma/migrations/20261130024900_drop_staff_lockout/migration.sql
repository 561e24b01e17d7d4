-- AlterTable
ALTER TABLE "Staff" DROP COLUMN "failedLogins",
DROP COLUMN "lockedUntil";

