-- AlterTable
ALTER TABLE "blob" ADD COLUMN     "header_size" INTEGER NOT NULL DEFAULT 0;

-- Postern: keep message bytes uncompressed out of line, so reading the header
-- block is a substring that touches only the first TOAST chunks instead of
-- decompressing the whole message (phones fetch headers all the time).
ALTER TABLE "blob" ALTER COLUMN "data" SET STORAGE EXTERNAL;
