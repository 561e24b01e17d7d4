-- CreateEnum
CREATE TYPE "ProjectStatus" AS ENUM ('open', 'closed');

-- CreateTable
CREATE TABLE "SupervisionProject" (
    "id" UUID NOT NULL,
    "number" SERIAL NOT NULL,
    "title" TEXT NOT NULL,
    "reason" TEXT NOT NULL,
    "departmentId" UUID NOT NULL,
    "deadline" DATE NOT NULL,
    "createdById" UUID NOT NULL,
    "status" "ProjectStatus" NOT NULL DEFAULT 'open',
    "createdAt" TIMESTAMP(3) NOT NULL,
    "closedAt" TIMESTAMP(3),
    "closeNote" TEXT,

    CONSTRAINT "SupervisionProject_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "ProjectCase" (
    "projectId" UUID NOT NULL,
    "caseId" UUID NOT NULL,
    "open" BOOLEAN NOT NULL DEFAULT true,
    "addedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "ProjectCase_pkey" PRIMARY KEY ("projectId","caseId")
);

-- CreateIndex
CREATE UNIQUE INDEX "SupervisionProject_number_key" ON "SupervisionProject"("number");

-- CreateIndex
CREATE INDEX "SupervisionProject_status_deadline_idx" ON "SupervisionProject"("status", "deadline");

-- CreateIndex
CREATE INDEX "SupervisionProject_createdAt_idx" ON "SupervisionProject"("createdAt");

-- CreateIndex
CREATE INDEX "ProjectCase_caseId_idx" ON "ProjectCase"("caseId");

-- AddForeignKey
ALTER TABLE "SupervisionProject" ADD CONSTRAINT "SupervisionProject_departmentId_fkey" FOREIGN KEY ("departmentId") REFERENCES "Department"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "SupervisionProject" ADD CONSTRAINT "SupervisionProject_createdById_fkey" FOREIGN KEY ("createdById") REFERENCES "Staff"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "ProjectCase" ADD CONSTRAINT "ProjectCase_projectId_fkey" FOREIGN KEY ("projectId") REFERENCES "SupervisionProject"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "ProjectCase" ADD CONSTRAINT "ProjectCase_caseId_fkey" FOREIGN KEY ("caseId") REFERENCES "Case"("id") ON DELETE RESTRICT ON UPDATE CASCADE;


-- A case is in at most one open project (see the schema's comment on ProjectCase).
CREATE UNIQUE INDEX "ProjectCase_one_open_per_case" ON "ProjectCase"("caseId") WHERE "open";
