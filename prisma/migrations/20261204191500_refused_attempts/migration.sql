-- AlterTable
ALTER TABLE "gateway_sessions" ADD COLUMN     "claimed_agent" TEXT,
ADD COLUMN     "claimed_connection" TEXT,
ADD COLUMN     "refusal" TEXT,
ALTER COLUMN "agent_id" DROP NOT NULL,
ALTER COLUMN "connection_id" DROP NOT NULL;

