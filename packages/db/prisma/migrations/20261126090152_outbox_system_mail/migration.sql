-- AlterTable
ALTER TABLE "outbound_message" ALTER COLUMN "mailbox_id" DROP NOT NULL;

