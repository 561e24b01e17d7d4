-- CreateEnum
CREATE TYPE "TemplateKind" AS ENUM ('acceptance', 'info_request', 'answer');

-- CreateTable
CREATE TABLE "ReplyTemplate" (
    "id" UUID NOT NULL,
    "topic" TEXT,
    "kind" "TemplateKind" NOT NULL,
    "title" TEXT NOT NULL,
    "body" TEXT NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "ReplyTemplate_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "ReplyTemplate_kind_topic_idx" ON "ReplyTemplate"("kind", "topic");

