-- AlterTable
ALTER TABLE "Submission" ADD COLUMN     "draftId" TEXT;

-- CreateTable
CREATE TABLE "Delivery" (
    "key" TEXT NOT NULL,
    "conversationId" UUID NOT NULL,
    "replies" JSONB NOT NULL,
    "author" TEXT,
    "createdAt" TIMESTAMP(3) NOT NULL,
    "attempts" INTEGER NOT NULL DEFAULT 0,
    "nextAttemptAt" TIMESTAMP(3) NOT NULL,
    "deliveredAt" TIMESTAMP(3),

    CONSTRAINT "Delivery_pkey" PRIMARY KEY ("key")
);

-- CreateIndex
CREATE INDEX "Delivery_deliveredAt_nextAttemptAt_idx" ON "Delivery"("deliveredAt", "nextAttemptAt");

-- CreateIndex
CREATE UNIQUE INDEX "Submission_draftId_key" ON "Submission"("draftId");

-- AddForeignKey
ALTER TABLE "Delivery" ADD CONSTRAINT "Delivery_conversationId_fkey" FOREIGN KEY ("conversationId") REFERENCES "Conversation"("id") ON DELETE RESTRICT ON UPDATE CASCADE;


-- Messages sent before this migration were logged under "<key>#<n>" when queued for delivery: they
-- count as delivered (as they did until now), so the reconciler does not send them again.
INSERT INTO "Delivery" ("key", "conversationId", "replies", "author", "createdAt", "nextAttemptAt", "deliveredAt")
SELECT substring(m."externalId" from '^(.*)#[0-9]+$'), m."conversationId",
       jsonb_agg(CASE WHEN m."buttons" IS NULL THEN jsonb_build_object('text', m."text") ELSE jsonb_build_object('text', m."text", 'buttons', m."buttons") END ORDER BY m."externalId"),
       min(m."author"), min(m."at"), min(m."at"), min(m."at")
FROM "Message" m
WHERE m."direction" = 'outbound' AND m."externalId" ~ '#[0-9]+$'
GROUP BY 1, 2
ON CONFLICT ("key") DO NOTHING;
