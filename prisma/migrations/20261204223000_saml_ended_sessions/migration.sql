-- CreateTable
CREATE TABLE "saml_ended_sessions" (
    "id" TEXT NOT NULL,
    "issuer" TEXT NOT NULL,
    "name_id" TEXT NOT NULL,
    "session_index" TEXT,
    "ended_at" TIMESTAMP(3) NOT NULL,
    "expires_at" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "saml_ended_sessions_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "saml_ended_sessions_issuer_name_id_idx" ON "saml_ended_sessions"("issuer", "name_id");

-- CreateIndex
CREATE INDEX "saml_ended_sessions_expires_at_idx" ON "saml_ended_sessions"("expires_at");

