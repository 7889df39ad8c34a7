-- ADR 10: records are appended without a lock, each with its own keyed MAC, numbered by a sequence; a sealer binds
-- settled records into hash-chained blocks and writes their search keys. Records appended under ADR 8 (hash
-- version 1) keep their numbers and content and are sealed into the first blocks by their content; their
-- per-record chain columns give way to blocks.
CREATE SEQUENCE "public"."kernel_audit_record_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 9223372036854775807 START WITH 1 CACHE 1;--> statement-breakpoint
CREATE TABLE "kernel_audit_blocks" (
	"seq" bigint PRIMARY KEY NOT NULL,
	"from_seq" bigint NOT NULL,
	"to_seq" bigint NOT NULL,
	"record_seqs" bigint[] NOT NULL,
	"record_count" integer NOT NULL,
	"last_occurred_at" timestamp (3) with time zone,
	"sealed_at" timestamp with time zone NOT NULL,
	"prev_hash" text NOT NULL,
	"hash" text NOT NULL
);
--> statement-breakpoint
CREATE TABLE "kernel_audit_lookup" (
	"key" text NOT NULL,
	"seq" bigint NOT NULL
);
--> statement-breakpoint
DROP INDEX "kernel_audit_records_actor_idx";--> statement-breakpoint
DROP INDEX "kernel_audit_records_subject_idx";--> statement-breakpoint
DROP INDEX "kernel_audit_records_object_idx";--> statement-breakpoint
DROP INDEX "kernel_audit_records_time_idx";--> statement-breakpoint
-- Numbers records as they are inserted. The transaction takes its id before its number (CASE evaluates its
-- condition first; the planner inlines this function into the INSERT), so that once every transaction older than a
-- moment has ended, every number handed out before it is settled: the sealer relies on it. A record inserted with
-- its number (a restore) keeps it.
CREATE OR REPLACE FUNCTION kernel_audit_next_seq() RETURNS bigint LANGUAGE sql AS $$
  SELECT CASE WHEN pg_current_xact_id() IS NOT NULL THEN nextval('public.kernel_audit_record_seq') END
$$;
--> statement-breakpoint
ALTER TABLE "kernel_audit_records" ALTER COLUMN "seq" SET DEFAULT kernel_audit_next_seq();--> statement-breakpoint
ALTER TABLE "kernel_audit_head" ADD COLUMN "sealed_through" bigint DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "kernel_audit_head" ADD COLUMN "archived_block_seq" bigint DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "kernel_audit_head" ADD COLUMN "archived_hash" text DEFAULT '0000000000000000000000000000000000000000000000000000000000000000' NOT NULL;--> statement-breakpoint
ALTER TABLE "kernel_audit_head" ADD COLUMN "archived_through" bigint DEFAULT 0 NOT NULL;--> statement-breakpoint
-- The head now names the last block, not the last record: no block exists yet.
UPDATE "kernel_audit_head" SET "seq" = 0, "hash" = '0000000000000000000000000000000000000000000000000000000000000000' WHERE "id" = 1;--> statement-breakpoint
ALTER TABLE "kernel_audit_records" ADD COLUMN "id" text;--> statement-breakpoint
ALTER TABLE "kernel_audit_records" ADD COLUMN "mac" text;--> statement-breakpoint
-- The owner (who runs migrations) gives version-1 records their ids; nobody else can update a record.
ALTER TABLE "kernel_audit_records" DISABLE TRIGGER "kernel_audit_records_no_change";--> statement-breakpoint
UPDATE "kernel_audit_records" SET "id" = 'aud_v1_' || "seq";--> statement-breakpoint
ALTER TABLE "kernel_audit_records" ENABLE TRIGGER "kernel_audit_records_no_change";--> statement-breakpoint
ALTER TABLE "kernel_audit_records" ALTER COLUMN "id" SET NOT NULL;--> statement-breakpoint
CREATE INDEX "kernel_audit_lookup_key_idx" ON "kernel_audit_lookup" USING btree ("key" text_pattern_ops,"seq");--> statement-breakpoint
CREATE INDEX "kernel_audit_records_time_idx" ON "kernel_audit_records" USING brin ("occurred_at");--> statement-breakpoint
ALTER TABLE "kernel_audit_records" DROP COLUMN "prev_hash";--> statement-breakpoint
ALTER TABLE "kernel_audit_records" DROP COLUMN "hash";--> statement-breakpoint
ALTER TABLE "kernel_audit_records" ADD CONSTRAINT "kernel_audit_records_id_unique" UNIQUE("id");--> statement-breakpoint
SELECT setval('public.kernel_audit_record_seq', GREATEST(COALESCE(max("seq"), 0), 1), COALESCE(max("seq"), 0) > 0) FROM "kernel_audit_records";--> statement-breakpoint
-- Records, blocks and search keys are append-only. The one exception is archiving (src/kernel/audit/audit.archive.ts):
-- inside a transaction that says so, it may remove what it has exported to a signed archive, and only what the
-- retention period (at least 180 days) no longer protects.
CREATE OR REPLACE FUNCTION kernel_audit_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'DELETE' AND current_setting('yiwang.audit_prune', true) = 'on' THEN
    -- Nested, not joined with AND: OLD has the columns of the table the trigger fired on, and only those.
    IF TG_TABLE_NAME = 'kernel_audit_records' THEN
      IF OLD.occurred_at < now() - interval '180 days'
         AND OLD.seq <= (SELECT archived_through FROM kernel_audit_head WHERE id = 1) THEN
        RETURN OLD;
      END IF;
    ELSIF TG_TABLE_NAME = 'kernel_audit_blocks' THEN
      IF COALESCE(OLD.last_occurred_at, OLD.sealed_at) < now() - interval '180 days'
         AND OLD.seq <= (SELECT archived_block_seq FROM kernel_audit_head WHERE id = 1) THEN
        RETURN OLD;
      END IF;
    ELSIF TG_TABLE_NAME = 'kernel_audit_lookup' THEN
      -- Keys go with their records: a record that still exists keeps its keys.
      IF OLD.seq <= (SELECT archived_through FROM kernel_audit_head WHERE id = 1)
         AND NOT EXISTS (SELECT 1 FROM kernel_audit_records WHERE seq = OLD.seq) THEN
        RETURN OLD;
      END IF;
    END IF;
  END IF;
  RAISE EXCEPTION '% is append-only: % refused', TG_TABLE_NAME, TG_OP USING ERRCODE = 'insufficient_privilege';
END;
$$;
--> statement-breakpoint
CREATE TRIGGER kernel_audit_blocks_no_change BEFORE UPDATE OR DELETE ON "kernel_audit_blocks"
  FOR EACH ROW EXECUTE FUNCTION kernel_audit_append_only();
--> statement-breakpoint
CREATE TRIGGER kernel_audit_blocks_no_truncate BEFORE TRUNCATE ON "kernel_audit_blocks"
  FOR EACH STATEMENT EXECUTE FUNCTION kernel_audit_append_only();
--> statement-breakpoint
CREATE TRIGGER kernel_audit_lookup_no_change BEFORE UPDATE OR DELETE ON "kernel_audit_lookup"
  FOR EACH ROW EXECUTE FUNCTION kernel_audit_append_only();
--> statement-breakpoint
CREATE TRIGGER kernel_audit_lookup_no_truncate BEFORE TRUNCATE ON "kernel_audit_lookup"
  FOR EACH STATEMENT EXECUTE FUNCTION kernel_audit_append_only();
