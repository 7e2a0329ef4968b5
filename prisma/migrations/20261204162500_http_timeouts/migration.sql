-- AlterTable
ALTER TABLE "connections" ADD COLUMN     "http_timeout_seconds" INTEGER;

