-- CreateEnum
CREATE TYPE "HttpAuthKind" AS ENUM ('BEARER', 'BASIC', 'HEADER');

-- AlterEnum
ALTER TYPE "GuardrailKind" ADD VALUE 'HTTP_REQUEST';

-- AlterTable
ALTER TABLE "connections" ADD COLUMN     "http_auth_header" TEXT,
ADD COLUMN     "http_auth_kind" "HttpAuthKind";

-- AlterTable
ALTER TABLE "masking_rules" ADD COLUMN     "json_pointer" TEXT;

