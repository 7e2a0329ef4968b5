-- AlterTable
ALTER TABLE "connections" ADD COLUMN     "pool_size" INTEGER NOT NULL DEFAULT 20,
ADD COLUMN     "pool_wait_seconds" INTEGER NOT NULL DEFAULT 10;

