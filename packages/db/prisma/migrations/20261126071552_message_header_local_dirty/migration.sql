-- AlterTable
ALTER TABLE "message" ADD COLUMN     "header" BYTEA,
ADD COLUMN     "local_dirty" BOOLEAN NOT NULL DEFAULT false;

