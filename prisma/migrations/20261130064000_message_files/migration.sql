-- AlterTable
ALTER TABLE "Message" ADD COLUMN     "files" JSONB;
