-- CreateSchema
CREATE SCHEMA IF NOT EXISTS "public";

-- CreateEnum
CREATE TYPE "Role" AS ENUM ('ADMIN', 'REVIEWER', 'AUDITOR');

-- CreateEnum
CREATE TYPE "ConnectionType" AS ENUM ('POSTGRES', 'MYSQL', 'HTTP');

-- CreateEnum
CREATE TYPE "UpstreamTlsMode" AS ENUM ('DISABLE', 'PREFER', 'REQUIRE', 'VERIFY_CA', 'VERIFY_FULL');

-- CreateEnum
CREATE TYPE "MaskStrategy" AS ENUM ('REDACT', 'PARTIAL', 'HASH', 'NULL');

-- CreateEnum
CREATE TYPE "GuardrailKind" AS ENUM ('STATEMENT_KIND', 'TABLE', 'COLUMN', 'FUNCTION', 'MISSING_WHERE', 'MULTI_STATEMENT', 'SETTING', 'READ_ONLY');

-- CreateEnum
CREATE TYPE "RuleEffect" AS ENUM ('DENY', 'ALLOW');

-- CreateEnum
CREATE TYPE "ApprovalMode" AS ENUM ('ANY_OF', 'ALL_OF');

-- CreateEnum
CREATE TYPE "ReviewStatus" AS ENUM ('PENDING', 'APPROVED', 'DENIED', 'EXPIRED', 'ABANDONED', 'EXECUTED');

-- CreateEnum
CREATE TYPE "GrantKind" AS ENUM ('ONCE', 'WINDOW');

-- CreateEnum
CREATE TYPE "DecisionVerdict" AS ENUM ('APPROVE', 'DENY');

-- CreateEnum
CREATE TYPE "ActorType" AS ENUM ('USER', 'AGENT', 'API_TOKEN', 'SYSTEM');

-- CreateTable
CREATE TABLE "users" (
    "id" TEXT NOT NULL,
    "issuer" TEXT NOT NULL,
    "subject" TEXT NOT NULL,
    "email" TEXT NOT NULL,
    "name" TEXT,
    "idp_groups" TEXT[],
    "roles" "Role"[],
    "is_disabled" BOOLEAN NOT NULL DEFAULT false,
    "last_login_at" TIMESTAMP(3),
    "created_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "users_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "role_mappings" (
    "id" TEXT NOT NULL,
    "idp_group" TEXT NOT NULL,
    "role" "Role" NOT NULL,
    "created_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "role_mappings_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "api_tokens" (
    "id" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "token_hash" TEXT NOT NULL,
    "prefix" TEXT NOT NULL,
    "role" "Role" NOT NULL,
    "user_id" TEXT NOT NULL,
    "created_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "expires_at" TIMESTAMP(3),
    "revoked_at" TIMESTAMP(3),
    "last_used_at" TIMESTAMP(3),

    CONSTRAINT "api_tokens_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "agents" (
    "id" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "description" TEXT,
    "is_disabled" BOOLEAN NOT NULL DEFAULT false,
    "created_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "agents_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "agent_groups" (
    "id" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "description" TEXT,
    "created_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "agent_groups_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "agent_group_members" (
    "agent_id" TEXT NOT NULL,
    "group_id" TEXT NOT NULL,

    CONSTRAINT "agent_group_members_pkey" PRIMARY KEY ("agent_id","group_id")
);

-- CreateTable
CREATE TABLE "agent_credentials" (
    "id" TEXT NOT NULL,
    "agent_id" TEXT NOT NULL,
    "scram_verifier" TEXT NOT NULL,
    "fingerprint" TEXT NOT NULL,
    "created_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "expires_at" TIMESTAMP(3),
    "revoked_at" TIMESTAMP(3),
    "last_used_at" TIMESTAMP(3),

    CONSTRAINT "agent_credentials_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "connections" (
    "id" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "type" "ConnectionType" NOT NULL DEFAULT 'POSTGRES',
    "description" TEXT,
    "host" TEXT NOT NULL,
    "port" INTEGER NOT NULL,
    "database" TEXT NOT NULL,
    "username" TEXT NOT NULL,
    "password_cipher" TEXT,
    "tls_mode" "UpstreamTlsMode" NOT NULL DEFAULT 'PREFER',
    "tls_ca_pem" TEXT,
    "tls_server_name" TEXT,
    "require_client_tls" BOOLEAN NOT NULL DEFAULT false,
    "is_read_only" BOOLEAN NOT NULL DEFAULT false,
    "is_strict_masking" BOOLEAN NOT NULL DEFAULT false,
    "record_result_bytes" INTEGER NOT NULL DEFAULT 1048576,
    "retention_days" INTEGER NOT NULL DEFAULT 90,
    "is_disabled" BOOLEAN NOT NULL DEFAULT false,
    "created_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "connections_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "connection_access" (
    "connection_id" TEXT NOT NULL,
    "group_id" TEXT NOT NULL,

    CONSTRAINT "connection_access_pkey" PRIMARY KEY ("connection_id","group_id")
);

-- CreateTable
CREATE TABLE "masking_rules" (
    "id" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "connection_id" TEXT,
    "column_selector" TEXT,
    "detector" TEXT,
    "strategy" "MaskStrategy" NOT NULL DEFAULT 'REDACT',
    "keep_last" INTEGER,
    "is_enabled" BOOLEAN NOT NULL DEFAULT true,
    "created_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "masking_rules_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "masking_exemptions" (
    "rule_id" TEXT NOT NULL,
    "group_id" TEXT NOT NULL,

    CONSTRAINT "masking_exemptions_pkey" PRIMARY KEY ("rule_id","group_id")
);

-- CreateTable
CREATE TABLE "guardrail_rules" (
    "id" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "connection_id" TEXT,
    "kind" "GuardrailKind" NOT NULL,
    "effect" "RuleEffect" NOT NULL DEFAULT 'DENY',
    "match" JSONB NOT NULL DEFAULT '{}',
    "message" TEXT,
    "is_enabled" BOOLEAN NOT NULL DEFAULT true,
    "created_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "guardrail_rules_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "reviewer_groups" (
    "id" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "idp_group" TEXT NOT NULL,
    "description" TEXT,
    "created_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "reviewer_groups_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "review_rules" (
    "id" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "connection_id" TEXT,
    "match" JSONB NOT NULL DEFAULT '{}',
    "mode" "ApprovalMode" NOT NULL DEFAULT 'ANY_OF',
    "min_approvals" INTEGER NOT NULL DEFAULT 1,
    "timeout_seconds" INTEGER NOT NULL DEFAULT 600,
    "is_blocking" BOOLEAN NOT NULL DEFAULT true,
    "is_enabled" BOOLEAN NOT NULL DEFAULT true,
    "created_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "review_rules_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "review_rule_groups" (
    "rule_id" TEXT NOT NULL,
    "group_id" TEXT NOT NULL,

    CONSTRAINT "review_rule_groups_pkey" PRIMARY KEY ("rule_id","group_id")
);

-- CreateTable
CREATE TABLE "policy_state" (
    "id" INTEGER NOT NULL DEFAULT 1,
    "version" INTEGER NOT NULL DEFAULT 1,
    "updated_at" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "policy_state_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "reviews" (
    "id" TEXT NOT NULL,
    "number" SERIAL NOT NULL,
    "status" "ReviewStatus" NOT NULL DEFAULT 'PENDING',
    "agent_id" TEXT NOT NULL,
    "connection_id" TEXT NOT NULL,
    "session_id" TEXT,
    "rule_id" TEXT,
    "statement" TEXT NOT NULL,
    "statement_hash" TEXT NOT NULL,
    "facts" JSONB NOT NULL DEFAULT '{}',
    "masking_plan" JSONB NOT NULL DEFAULT '{}',
    "is_blocking" BOOLEAN NOT NULL DEFAULT true,
    "gateway_id" TEXT,
    "requested_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "expires_at" TIMESTAMP(3) NOT NULL,
    "decided_at" TIMESTAMP(3),
    "executed_at" TIMESTAMP(3),

    CONSTRAINT "reviews_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "review_decisions" (
    "id" TEXT NOT NULL,
    "review_id" TEXT NOT NULL,
    "user_id" TEXT NOT NULL,
    "verdict" "DecisionVerdict" NOT NULL,
    "reason" TEXT,
    "grant_kind" "GrantKind" NOT NULL DEFAULT 'ONCE',
    "window_minutes" INTEGER,
    "created_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "review_decisions_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "review_grants" (
    "id" TEXT NOT NULL,
    "kind" "GrantKind" NOT NULL,
    "review_id" TEXT NOT NULL,
    "agent_id" TEXT NOT NULL,
    "connection_id" TEXT NOT NULL,
    "rule_id" TEXT,
    "statement_hash" TEXT,
    "created_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "expires_at" TIMESTAMP(3) NOT NULL,
    "used_at" TIMESTAMP(3),

    CONSTRAINT "review_grants_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "gateway_sessions" (
    "id" TEXT NOT NULL,
    "agent_id" TEXT NOT NULL,
    "connection_id" TEXT NOT NULL,
    "gateway_id" TEXT NOT NULL,
    "client_address" TEXT NOT NULL,
    "is_tls" BOOLEAN NOT NULL DEFAULT false,
    "agent_groups" TEXT[],
    "started_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "ended_at" TIMESTAMP(3),
    "end_reason" TEXT,
    "statement_count" INTEGER NOT NULL DEFAULT 0,
    "denied_count" INTEGER NOT NULL DEFAULT 0,
    "held_count" INTEGER NOT NULL DEFAULT 0,
    "masked_count" INTEGER NOT NULL DEFAULT 0,
    "tables_touched" TEXT[],

    CONSTRAINT "gateway_sessions_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "recording_chunks" (
    "id" BIGSERIAL NOT NULL,
    "session_id" TEXT NOT NULL,
    "seq" INTEGER NOT NULL,
    "payload" BYTEA NOT NULL,
    "event_count" INTEGER NOT NULL,
    "prev_hash" TEXT NOT NULL,
    "hash" TEXT NOT NULL,
    "created_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "recording_chunks_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "audit_events" (
    "id" BIGSERIAL NOT NULL,
    "at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "actor_type" "ActorType" NOT NULL,
    "actor_id" TEXT,
    "actor_name" TEXT NOT NULL,
    "action" TEXT NOT NULL,
    "target_type" TEXT,
    "target_id" TEXT,
    "before" JSONB,
    "after" JSONB,
    "session_id" TEXT,
    "metadata" JSONB NOT NULL DEFAULT '{}',

    CONSTRAINT "audit_events_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "users_email_idx" ON "users"("email");

-- CreateIndex
CREATE UNIQUE INDEX "users_issuer_subject_key" ON "users"("issuer", "subject");

-- CreateIndex
CREATE UNIQUE INDEX "role_mappings_idp_group_role_key" ON "role_mappings"("idp_group", "role");

-- CreateIndex
CREATE UNIQUE INDEX "api_tokens_token_hash_key" ON "api_tokens"("token_hash");

-- CreateIndex
CREATE UNIQUE INDEX "agents_name_key" ON "agents"("name");

-- CreateIndex
CREATE UNIQUE INDEX "agent_groups_name_key" ON "agent_groups"("name");

-- CreateIndex
CREATE INDEX "agent_credentials_agent_id_idx" ON "agent_credentials"("agent_id");

-- CreateIndex
CREATE UNIQUE INDEX "connections_name_key" ON "connections"("name");

-- CreateIndex
CREATE UNIQUE INDEX "masking_rules_connection_id_name_key" ON "masking_rules"("connection_id", "name");

-- CreateIndex
CREATE UNIQUE INDEX "guardrail_rules_connection_id_name_key" ON "guardrail_rules"("connection_id", "name");

-- CreateIndex
CREATE UNIQUE INDEX "reviewer_groups_name_key" ON "reviewer_groups"("name");

-- CreateIndex
CREATE UNIQUE INDEX "review_rules_connection_id_name_key" ON "review_rules"("connection_id", "name");

-- CreateIndex
CREATE UNIQUE INDEX "reviews_number_key" ON "reviews"("number");

-- CreateIndex
CREATE INDEX "reviews_status_requested_at_idx" ON "reviews"("status", "requested_at");

-- CreateIndex
CREATE INDEX "reviews_agent_id_connection_id_statement_hash_idx" ON "reviews"("agent_id", "connection_id", "statement_hash");

-- CreateIndex
CREATE UNIQUE INDEX "review_decisions_review_id_user_id_key" ON "review_decisions"("review_id", "user_id");

-- CreateIndex
CREATE INDEX "review_grants_agent_id_connection_id_expires_at_idx" ON "review_grants"("agent_id", "connection_id", "expires_at");

-- CreateIndex
CREATE INDEX "gateway_sessions_started_at_idx" ON "gateway_sessions"("started_at" DESC);

-- CreateIndex
CREATE INDEX "gateway_sessions_agent_id_started_at_idx" ON "gateway_sessions"("agent_id", "started_at" DESC);

-- CreateIndex
CREATE INDEX "gateway_sessions_connection_id_started_at_idx" ON "gateway_sessions"("connection_id", "started_at" DESC);

-- CreateIndex
CREATE INDEX "gateway_sessions_tables_touched_idx" ON "gateway_sessions" USING GIN ("tables_touched");

-- CreateIndex
CREATE UNIQUE INDEX "recording_chunks_session_id_seq_key" ON "recording_chunks"("session_id", "seq");

-- CreateIndex
CREATE INDEX "audit_events_at_idx" ON "audit_events"("at" DESC);

-- CreateIndex
CREATE INDEX "audit_events_target_type_target_id_idx" ON "audit_events"("target_type", "target_id");

-- AddForeignKey
ALTER TABLE "api_tokens" ADD CONSTRAINT "api_tokens_user_id_fkey" FOREIGN KEY ("user_id") REFERENCES "users"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "agent_group_members" ADD CONSTRAINT "agent_group_members_agent_id_fkey" FOREIGN KEY ("agent_id") REFERENCES "agents"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "agent_group_members" ADD CONSTRAINT "agent_group_members_group_id_fkey" FOREIGN KEY ("group_id") REFERENCES "agent_groups"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "agent_credentials" ADD CONSTRAINT "agent_credentials_agent_id_fkey" FOREIGN KEY ("agent_id") REFERENCES "agents"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "connection_access" ADD CONSTRAINT "connection_access_connection_id_fkey" FOREIGN KEY ("connection_id") REFERENCES "connections"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "connection_access" ADD CONSTRAINT "connection_access_group_id_fkey" FOREIGN KEY ("group_id") REFERENCES "agent_groups"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "masking_rules" ADD CONSTRAINT "masking_rules_connection_id_fkey" FOREIGN KEY ("connection_id") REFERENCES "connections"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "masking_exemptions" ADD CONSTRAINT "masking_exemptions_rule_id_fkey" FOREIGN KEY ("rule_id") REFERENCES "masking_rules"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "masking_exemptions" ADD CONSTRAINT "masking_exemptions_group_id_fkey" FOREIGN KEY ("group_id") REFERENCES "agent_groups"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "guardrail_rules" ADD CONSTRAINT "guardrail_rules_connection_id_fkey" FOREIGN KEY ("connection_id") REFERENCES "connections"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "review_rules" ADD CONSTRAINT "review_rules_connection_id_fkey" FOREIGN KEY ("connection_id") REFERENCES "connections"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "review_rule_groups" ADD CONSTRAINT "review_rule_groups_rule_id_fkey" FOREIGN KEY ("rule_id") REFERENCES "review_rules"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "review_rule_groups" ADD CONSTRAINT "review_rule_groups_group_id_fkey" FOREIGN KEY ("group_id") REFERENCES "reviewer_groups"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "reviews" ADD CONSTRAINT "reviews_agent_id_fkey" FOREIGN KEY ("agent_id") REFERENCES "agents"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "reviews" ADD CONSTRAINT "reviews_connection_id_fkey" FOREIGN KEY ("connection_id") REFERENCES "connections"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "reviews" ADD CONSTRAINT "reviews_session_id_fkey" FOREIGN KEY ("session_id") REFERENCES "gateway_sessions"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "reviews" ADD CONSTRAINT "reviews_rule_id_fkey" FOREIGN KEY ("rule_id") REFERENCES "review_rules"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "review_decisions" ADD CONSTRAINT "review_decisions_review_id_fkey" FOREIGN KEY ("review_id") REFERENCES "reviews"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "review_decisions" ADD CONSTRAINT "review_decisions_user_id_fkey" FOREIGN KEY ("user_id") REFERENCES "users"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "review_grants" ADD CONSTRAINT "review_grants_review_id_fkey" FOREIGN KEY ("review_id") REFERENCES "reviews"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "review_grants" ADD CONSTRAINT "review_grants_agent_id_fkey" FOREIGN KEY ("agent_id") REFERENCES "agents"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "review_grants" ADD CONSTRAINT "review_grants_connection_id_fkey" FOREIGN KEY ("connection_id") REFERENCES "connections"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "review_grants" ADD CONSTRAINT "review_grants_rule_id_fkey" FOREIGN KEY ("rule_id") REFERENCES "review_rules"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "gateway_sessions" ADD CONSTRAINT "gateway_sessions_agent_id_fkey" FOREIGN KEY ("agent_id") REFERENCES "agents"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "gateway_sessions" ADD CONSTRAINT "gateway_sessions_connection_id_fkey" FOREIGN KEY ("connection_id") REFERENCES "connections"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "recording_chunks" ADD CONSTRAINT "recording_chunks_session_id_fkey" FOREIGN KEY ("session_id") REFERENCES "gateway_sessions"("id") ON DELETE CASCADE ON UPDATE CASCADE;

