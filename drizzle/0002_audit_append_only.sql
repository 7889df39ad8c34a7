-- The chain starts from a genesis hash; every append moves the head (src/kernel/audit/audit.ts).
INSERT INTO "kernel_audit_head" ("id", "seq", "hash") VALUES (1, 0, '0000000000000000000000000000000000000000000000000000000000000000') ON CONFLICT DO NOTHING;
--> statement-breakpoint
-- Audit records are append-only for everyone who does not own the table: no UPDATE, DELETE or TRUNCATE.
CREATE OR REPLACE FUNCTION kernel_audit_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'kernel_audit_records is append-only: % refused', TG_OP USING ERRCODE = 'insufficient_privilege';
END;
$$;
--> statement-breakpoint
CREATE TRIGGER kernel_audit_records_no_change BEFORE UPDATE OR DELETE ON "kernel_audit_records"
  FOR EACH ROW EXECUTE FUNCTION kernel_audit_append_only();
--> statement-breakpoint
CREATE TRIGGER kernel_audit_records_no_truncate BEFORE TRUNCATE ON "kernel_audit_records"
  FOR EACH STATEMENT EXECUTE FUNCTION kernel_audit_append_only();
