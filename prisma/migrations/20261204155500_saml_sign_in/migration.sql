-- CreateTable
CREATE TABLE "saml_sign_in_requests" (
    "id" TEXT NOT NULL,
    "binding_hash" TEXT NOT NULL,
    "callback_url" TEXT NOT NULL,
    "claims" JSONB,
    "accepted_at" TIMESTAMP(3),
    "created_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "expires_at" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "saml_sign_in_requests_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "saml_seen_assertions" (
    "issuer" TEXT NOT NULL,
    "assertion_id" TEXT NOT NULL,
    "expires_at" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "saml_seen_assertions_pkey" PRIMARY KEY ("issuer","assertion_id")
);

-- CreateIndex
CREATE INDEX "saml_seen_assertions_expires_at_idx" ON "saml_seen_assertions"("expires_at");

