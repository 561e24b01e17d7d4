-- AlterTable
ALTER TABLE "Submission" ADD COLUMN     "occurredOn" DATE;

-- AlterTable
ALTER TABLE "Case" ADD COLUMN     "occurredOn" DATE;

