-- A web chat token's last use (recorded at most once a day): idle ones are refused and deleted.
-- Tokens issued before this migration count as used now.
ALTER TABLE "WebchatSession" ADD COLUMN "lastSeenAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP;

CREATE INDEX "WebchatSession_lastSeenAt_idx" ON "WebchatSession"("lastSeenAt");
