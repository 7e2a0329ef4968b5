-- AlterTable
ALTER TABLE "reviews" ADD COLUMN     "statement_sealed" TEXT;

