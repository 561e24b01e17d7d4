-- CreateTable
CREATE TABLE "WebchatSession" (
    "tokenHash" TEXT NOT NULL,
    "residentId" UUID NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "WebchatSession_pkey" PRIMARY KEY ("tokenHash")
);

-- CreateIndex
CREATE INDEX "WebchatSession_residentId_idx" ON "WebchatSession"("residentId");

-- AddForeignKey
ALTER TABLE "WebchatSession" ADD CONSTRAINT "WebchatSession_residentId_fkey" FOREIGN KEY ("residentId") REFERENCES "Resident"("id") ON DELETE RESTRICT ON UPDATE CASCADE;
