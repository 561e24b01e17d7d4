-- AlterTable
ALTER TABLE "Submission" ADD COLUMN     "features" BYTEA;
