-- CreateTable
CREATE TABLE "TopicModel" (
    "id" UUID NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL,
    "createdBy" TEXT NOT NULL,
    "modelJson" TEXT,
    "trainedOn" JSONB NOT NULL,
    "figures" JSONB NOT NULL,
    "active" BOOLEAN NOT NULL DEFAULT false,
    "refusedReason" TEXT,

    CONSTRAINT "TopicModel_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "TopicModel_createdAt_idx" ON "TopicModel"("createdAt");

-- At most one active model: the one every bot process uses.
CREATE UNIQUE INDEX "TopicModel_one_active" ON "TopicModel"("active") WHERE "active";
