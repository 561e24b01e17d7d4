-- The intake compares each new case with the most recent open root cases of its region and
-- first-level topic (core/cases/duplicates.ts). Without this index it read and sorted every case
-- of the region on each batch: 28 ms a batch with a few thousand cases in one county, holding the
-- scope's lock all the while. Prisma's schema cannot express an index on an expression, so it is
-- kept here only, like the partial unique indexes.
CREATE INDEX "Case_duplicate_scope" ON "Case" ("regionCode", split_part("topic", '/', 1), "createdAt" DESC) WHERE "duplicateOfId" IS NULL;
