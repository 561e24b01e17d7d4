-- AlterTable
ALTER TABLE "Case" ADD COLUMN     "features" BYTEA;

