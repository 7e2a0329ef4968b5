-- CreateTable
CREATE TABLE "saml_idp_config" (
    "id" TEXT NOT NULL DEFAULT 'default',
    "metadata_xml" TEXT NOT NULL,
    "entity_id" TEXT NOT NULL,
    "updated_by" TEXT,
    "updated_at" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "saml_idp_config_pkey" PRIMARY KEY ("id")
);

