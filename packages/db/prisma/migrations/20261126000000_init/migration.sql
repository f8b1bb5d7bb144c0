-- CreateSchema
CREATE SCHEMA IF NOT EXISTS "public";

-- CreateEnum
CREATE TYPE "BackendKind" AS ENUM ('hosted', 'imap', 'pop3', 'graph', 'ews');

-- CreateEnum
CREATE TYPE "Security" AS ENUM ('tls', 'starttls', 'none');

-- CreateEnum
CREATE TYPE "SyncState" AS ENUM ('idle', 'syncing', 'error', 'needs_attention');

-- CreateEnum
CREATE TYPE "PendingOpState" AS ENUM ('pending', 'running', 'done', 'failed');

-- CreateEnum
CREATE TYPE "OutboundState" AS ENUM ('queued', 'sending', 'sent', 'failed', 'bounced');

-- CreateEnum
CREATE TYPE "Role" AS ENUM ('owner', 'admin', 'user');

-- CreateTable
CREATE TABLE "backend" (
    "id" UUID NOT NULL,
    "tenant_id" UUID NOT NULL,
    "name" TEXT NOT NULL,
    "kind" "BackendKind" NOT NULL,
    "host" TEXT,
    "port" INTEGER,
    "security" "Security",
    "smtp_host" TEXT,
    "smtp_port" INTEGER,
    "smtp_security" "Security",
    "smtp_user" TEXT,
    "graph_tenant_id" TEXT,
    "graph_client_id" TEXT,
    "graph_authority" TEXT,
    "graph_api_base" TEXT,
    "ews_url" TEXT,
    "secret_cipher" TEXT,
    "options" JSONB NOT NULL DEFAULT '{}',
    "created_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "backend_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "mailbox" (
    "id" UUID NOT NULL,
    "tenant_id" UUID NOT NULL,
    "backend_id" UUID NOT NULL,
    "address" TEXT NOT NULL,
    "display_name" TEXT,
    "aliases" TEXT[] DEFAULT ARRAY[]::TEXT[],
    "login" TEXT,
    "secret_cipher" TEXT,
    "sync_state" "SyncState" NOT NULL DEFAULT 'idle',
    "sync_progress" JSONB NOT NULL DEFAULT '{}',
    "last_sync_at" TIMESTAMP(3),
    "last_error" TEXT,
    "created_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "mailbox_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "device" (
    "id" UUID NOT NULL,
    "tenant_id" UUID NOT NULL,
    "mailbox_id" UUID NOT NULL,
    "name" TEXT NOT NULL,
    "platform" TEXT NOT NULL DEFAULT 'other',
    "password_hash" TEXT NOT NULL,
    "created_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "last_seen_at" TIMESTAMP(3),
    "last_seen_ip" TEXT,
    "last_client" TEXT,
    "revoked_at" TIMESTAMP(3),

    CONSTRAINT "device_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "enrollment_token" (
    "id" UUID NOT NULL,
    "token_hash" TEXT NOT NULL,
    "mailbox_id" UUID NOT NULL,
    "device_id" UUID,
    "name" TEXT NOT NULL,
    "created_by" TEXT,
    "expires_at" TIMESTAMP(3) NOT NULL,
    "used_at" TIMESTAMP(3),
    "created_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "enrollment_token_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "audit_event" (
    "id" BIGSERIAL NOT NULL,
    "tenant_id" UUID,
    "actor" TEXT NOT NULL,
    "action" TEXT NOT NULL,
    "target" TEXT,
    "data" JSONB NOT NULL DEFAULT '{}',
    "ip" TEXT,
    "created_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "audit_event_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "folder" (
    "id" SERIAL NOT NULL,
    "mailbox_id" UUID NOT NULL,
    "name" TEXT NOT NULL,
    "uid_validity" INTEGER NOT NULL,
    "uid_next" INTEGER NOT NULL DEFAULT 1,
    "highest_modseq" BIGINT NOT NULL DEFAULT 1,
    "first_recent_uid" INTEGER NOT NULL DEFAULT 1,
    "special_use" TEXT,
    "subscribed" BOOLEAN NOT NULL DEFAULT true,
    "no_select" BOOLEAN NOT NULL DEFAULT false,
    "backend_ref" TEXT,
    "sync_state" JSONB NOT NULL DEFAULT '{}',
    "created_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "folder_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "message" (
    "folder_id" INTEGER NOT NULL,
    "uid" INTEGER NOT NULL,
    "modseq" BIGINT NOT NULL,
    "seen" BOOLEAN NOT NULL DEFAULT false,
    "answered" BOOLEAN NOT NULL DEFAULT false,
    "flagged" BOOLEAN NOT NULL DEFAULT false,
    "deleted" BOOLEAN NOT NULL DEFAULT false,
    "draft" BOOLEAN NOT NULL DEFAULT false,
    "keywords" TEXT[] DEFAULT ARRAY[]::TEXT[],
    "internal_date" TIMESTAMP(3) NOT NULL,
    "size" INTEGER NOT NULL,
    "envelope" JSONB,
    "body_structure" JSONB,
    "message_id" TEXT,
    "blob_id" TEXT,
    "backend_ref" TEXT,
    "created_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "message_pkey" PRIMARY KEY ("folder_id","uid")
);

-- CreateTable
CREATE TABLE "expunge_log" (
    "folder_id" INTEGER NOT NULL,
    "uid" INTEGER NOT NULL,
    "modseq" BIGINT NOT NULL,

    CONSTRAINT "expunge_log_pkey" PRIMARY KEY ("folder_id","uid")
);

-- CreateTable
CREATE TABLE "blob" (
    "id" TEXT NOT NULL,
    "size" INTEGER NOT NULL,
    "data" BYTEA NOT NULL,
    "created_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "last_used_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "blob_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "pending_op" (
    "id" BIGSERIAL NOT NULL,
    "mailbox_id" UUID NOT NULL,
    "kind" TEXT NOT NULL,
    "payload" JSONB NOT NULL,
    "state" "PendingOpState" NOT NULL DEFAULT 'pending',
    "attempts" INTEGER NOT NULL DEFAULT 0,
    "next_attempt_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "last_error" TEXT,
    "created_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "pending_op_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "outbound_message" (
    "id" UUID NOT NULL,
    "mailbox_id" UUID NOT NULL,
    "device_id" UUID,
    "envelope_from" TEXT NOT NULL,
    "recipients" TEXT[],
    "blob_id" TEXT NOT NULL,
    "size" INTEGER NOT NULL,
    "state" "OutboundState" NOT NULL DEFAULT 'queued',
    "attempts" INTEGER NOT NULL DEFAULT 0,
    "next_attempt_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "lease_until" TIMESTAMP(3),
    "last_error" TEXT,
    "relay_response" TEXT,
    "sent_copy_saved" BOOLEAN NOT NULL DEFAULT false,
    "created_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "sent_at" TIMESTAMP(3),

    CONSTRAINT "outbound_message_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "tenant" (
    "id" UUID NOT NULL,
    "name" TEXT NOT NULL,
    "slug" TEXT NOT NULL,
    "created_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "tenant_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "tenant_domain" (
    "domain" TEXT NOT NULL,
    "tenant_id" UUID NOT NULL,
    "created_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "tenant_domain_pkey" PRIMARY KEY ("domain")
);

-- CreateTable
CREATE TABLE "user" (
    "id" UUID NOT NULL,
    "email" TEXT NOT NULL,
    "name" TEXT,
    "password_hash" TEXT,
    "email_verified_at" TIMESTAMP(3),
    "created_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "user_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "membership" (
    "user_id" UUID NOT NULL,
    "tenant_id" UUID NOT NULL,
    "role" "Role" NOT NULL,
    "mailbox_id" UUID,
    "created_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "membership_pkey" PRIMARY KEY ("user_id","tenant_id")
);

-- CreateIndex
CREATE INDEX "backend_tenant_id_idx" ON "backend"("tenant_id");

-- CreateIndex
CREATE UNIQUE INDEX "mailbox_address_key" ON "mailbox"("address");

-- CreateIndex
CREATE INDEX "mailbox_tenant_id_idx" ON "mailbox"("tenant_id");

-- CreateIndex
CREATE INDEX "mailbox_backend_id_idx" ON "mailbox"("backend_id");

-- CreateIndex
CREATE INDEX "device_mailbox_id_idx" ON "device"("mailbox_id");

-- CreateIndex
CREATE INDEX "device_tenant_id_idx" ON "device"("tenant_id");

-- CreateIndex
CREATE UNIQUE INDEX "enrollment_token_token_hash_key" ON "enrollment_token"("token_hash");

-- CreateIndex
CREATE INDEX "enrollment_token_mailbox_id_idx" ON "enrollment_token"("mailbox_id");

-- CreateIndex
CREATE INDEX "audit_event_tenant_id_created_at_idx" ON "audit_event"("tenant_id", "created_at");

-- CreateIndex
CREATE UNIQUE INDEX "folder_mailbox_id_name_key" ON "folder"("mailbox_id", "name");

-- CreateIndex
CREATE INDEX "message_folder_id_modseq_idx" ON "message"("folder_id", "modseq");

-- CreateIndex
CREATE INDEX "message_folder_id_backend_ref_idx" ON "message"("folder_id", "backend_ref");

-- CreateIndex
CREATE INDEX "message_blob_id_idx" ON "message"("blob_id");

-- CreateIndex
CREATE INDEX "expunge_log_folder_id_modseq_idx" ON "expunge_log"("folder_id", "modseq");

-- CreateIndex
CREATE INDEX "pending_op_mailbox_id_state_id_idx" ON "pending_op"("mailbox_id", "state", "id");

-- CreateIndex
CREATE INDEX "outbound_message_state_next_attempt_at_idx" ON "outbound_message"("state", "next_attempt_at");

-- CreateIndex
CREATE INDEX "outbound_message_mailbox_id_created_at_idx" ON "outbound_message"("mailbox_id", "created_at");

-- CreateIndex
CREATE UNIQUE INDEX "tenant_slug_key" ON "tenant"("slug");

-- CreateIndex
CREATE INDEX "tenant_domain_tenant_id_idx" ON "tenant_domain"("tenant_id");

-- CreateIndex
CREATE UNIQUE INDEX "user_email_key" ON "user"("email");

-- CreateIndex
CREATE INDEX "membership_tenant_id_idx" ON "membership"("tenant_id");

-- AddForeignKey
ALTER TABLE "backend" ADD CONSTRAINT "backend_tenant_id_fkey" FOREIGN KEY ("tenant_id") REFERENCES "tenant"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "mailbox" ADD CONSTRAINT "mailbox_tenant_id_fkey" FOREIGN KEY ("tenant_id") REFERENCES "tenant"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "mailbox" ADD CONSTRAINT "mailbox_backend_id_fkey" FOREIGN KEY ("backend_id") REFERENCES "backend"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "device" ADD CONSTRAINT "device_tenant_id_fkey" FOREIGN KEY ("tenant_id") REFERENCES "tenant"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "device" ADD CONSTRAINT "device_mailbox_id_fkey" FOREIGN KEY ("mailbox_id") REFERENCES "mailbox"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "enrollment_token" ADD CONSTRAINT "enrollment_token_mailbox_id_fkey" FOREIGN KEY ("mailbox_id") REFERENCES "mailbox"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "enrollment_token" ADD CONSTRAINT "enrollment_token_device_id_fkey" FOREIGN KEY ("device_id") REFERENCES "device"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "audit_event" ADD CONSTRAINT "audit_event_tenant_id_fkey" FOREIGN KEY ("tenant_id") REFERENCES "tenant"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "folder" ADD CONSTRAINT "folder_mailbox_id_fkey" FOREIGN KEY ("mailbox_id") REFERENCES "mailbox"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "message" ADD CONSTRAINT "message_folder_id_fkey" FOREIGN KEY ("folder_id") REFERENCES "folder"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "message" ADD CONSTRAINT "message_blob_id_fkey" FOREIGN KEY ("blob_id") REFERENCES "blob"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "expunge_log" ADD CONSTRAINT "expunge_log_folder_id_fkey" FOREIGN KEY ("folder_id") REFERENCES "folder"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "pending_op" ADD CONSTRAINT "pending_op_mailbox_id_fkey" FOREIGN KEY ("mailbox_id") REFERENCES "mailbox"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "outbound_message" ADD CONSTRAINT "outbound_message_mailbox_id_fkey" FOREIGN KEY ("mailbox_id") REFERENCES "mailbox"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "outbound_message" ADD CONSTRAINT "outbound_message_blob_id_fkey" FOREIGN KEY ("blob_id") REFERENCES "blob"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "tenant_domain" ADD CONSTRAINT "tenant_domain_tenant_id_fkey" FOREIGN KEY ("tenant_id") REFERENCES "tenant"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "membership" ADD CONSTRAINT "membership_user_id_fkey" FOREIGN KEY ("user_id") REFERENCES "user"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "membership" ADD CONSTRAINT "membership_tenant_id_fkey" FOREIGN KEY ("tenant_id") REFERENCES "tenant"("id") ON DELETE CASCADE ON UPDATE CASCADE;


-- Postern: UIDVALIDITY values come from one sequence, so a folder that is
-- deleted and made again under the same name never reuses one (RFC 3501 §2.3.1.1).
CREATE SEQUENCE "uid_validity_seq" AS integer MINVALUE 1 MAXVALUE 2147483647 START WITH 1000;
