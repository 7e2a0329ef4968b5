-- CreateTable
CREATE TABLE "gateway_heartbeats" (
    "gateway_id" TEXT NOT NULL,
    "seen_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "gateway_heartbeats_pkey" PRIMARY KEY ("gateway_id")
);

-- CreateIndex
CREATE INDEX "gateway_heartbeats_seen_at_idx" ON "gateway_heartbeats"("seen_at");

