-- CreateTable
CREATE TABLE "DialogueState" (
    "channel" TEXT NOT NULL,
    "externalId" TEXT NOT NULL,
    "state" JSONB NOT NULL,
    "savedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "DialogueState_pkey" PRIMARY KEY ("channel","externalId")
);

-- CreateIndex
CREATE INDEX "DialogueState_savedAt_idx" ON "DialogueState"("savedAt");
