-- AlterTable
ALTER TABLE "gateway_sessions" ADD COLUMN     "recording_chunks" INTEGER,
ADD COLUMN     "recording_hash" TEXT;

