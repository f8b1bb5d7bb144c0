-- AlterTable
ALTER TABLE "device" ADD COLUMN     "last_commands" JSONB NOT NULL DEFAULT '[]';

