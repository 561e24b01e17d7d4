-- AlterTable
ALTER TABLE "Staff" ADD COLUMN     "chatChannel" "Channel",
ADD COLUMN     "chatUserId" TEXT;

-- CreateIndex
CREATE UNIQUE INDEX "Staff_chatChannel_chatUserId_key" ON "Staff"("chatChannel", "chatUserId");

