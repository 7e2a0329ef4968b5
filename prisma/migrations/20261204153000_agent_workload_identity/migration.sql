-- AlterTable
ALTER TABLE "agents" ADD COLUMN     "workload_audience" TEXT,
ADD COLUMN     "workload_claims" JSONB,
ADD COLUMN     "workload_groups_claim" TEXT,
ADD COLUMN     "workload_issuer" TEXT,
ADD COLUMN     "workload_jwks_uri" TEXT,
ADD COLUMN     "workload_subject" TEXT;

-- CreateIndex
CREATE INDEX "agents_workload_issuer_idx" ON "agents"("workload_issuer");

