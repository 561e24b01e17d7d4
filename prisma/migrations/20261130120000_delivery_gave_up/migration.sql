-- AlterTable
ALTER TABLE "Delivery" ADD COLUMN "gaveUpAt" TIMESTAMP(3);

-- The reconciler reads only deliveries neither delivered nor given up.
DROP INDEX "Delivery_deliveredAt_nextAttemptAt_idx";
CREATE INDEX "Delivery_deliveredAt_gaveUpAt_nextAttemptAt_idx" ON "Delivery"("deliveredAt", "gaveUpAt", "nextAttemptAt");
