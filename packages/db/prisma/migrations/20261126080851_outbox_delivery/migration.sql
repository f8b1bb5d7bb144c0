-- AlterTable
ALTER TABLE "outbound_message" ADD COLUMN     "bounce_pending" BOOLEAN NOT NULL DEFAULT false,
ADD COLUMN     "recipient_status" JSONB NOT NULL DEFAULT '{}',
ADD COLUMN     "retry_until" TIMESTAMP(3),
ADD COLUMN     "sent_blob_id" TEXT;

-- AddForeignKey
ALTER TABLE "outbound_message" ADD CONSTRAINT "outbound_message_sent_blob_id_fkey" FOREIGN KEY ("sent_blob_id") REFERENCES "blob"("id") ON DELETE SET NULL ON UPDATE CASCADE;

