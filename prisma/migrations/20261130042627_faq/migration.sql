-- CreateEnum
CREATE TYPE "FaqOutcome" AS ENUM ('answered', 'helpful', 'not_helped', 'unmatched');

-- CreateTable
CREATE TABLE "FaqEntry" (
    "id" UUID NOT NULL,
    "questionZh" TEXT NOT NULL,
    "answerZh" TEXT NOT NULL,
    "questionEn" TEXT,
    "answerEn" TEXT,
    "position" INTEGER NOT NULL DEFAULT 0,

    CONSTRAINT "FaqEntry_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "FaqAsk" (
    "id" UUID NOT NULL,
    "entryId" UUID,
    "outcome" "FaqOutcome" NOT NULL,
    "at" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "FaqAsk_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "FaqAsk_at_idx" ON "FaqAsk"("at");

-- AddForeignKey
ALTER TABLE "FaqAsk" ADD CONSTRAINT "FaqAsk_entryId_fkey" FOREIGN KEY ("entryId") REFERENCES "FaqEntry"("id") ON DELETE SET NULL ON UPDATE CASCADE;

