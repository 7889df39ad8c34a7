CREATE TABLE "kernel_audit_head" (
	"id" smallint PRIMARY KEY NOT NULL,
	"seq" bigint NOT NULL,
	"hash" text NOT NULL
);
--> statement-breakpoint
CREATE TABLE "kernel_audit_records" (
	"seq" bigint PRIMARY KEY NOT NULL,
	"occurred_at" timestamp (3) with time zone NOT NULL,
	"actor_id" text,
	"actor_kind" text NOT NULL,
	"mandate_id" text,
	"role" text,
	"department" text,
	"action" text NOT NULL,
	"object_type" text,
	"object_id" text,
	"subject_id" text,
	"outcome" text NOT NULL,
	"purpose" text,
	"client_address" text,
	"user_agent" text,
	"request_id" text,
	"details" jsonb,
	"hash_version" smallint NOT NULL,
	"prev_hash" text NOT NULL,
	"hash" text NOT NULL
);
--> statement-breakpoint
CREATE INDEX "kernel_audit_records_actor_idx" ON "kernel_audit_records" USING btree ("actor_id","occurred_at");--> statement-breakpoint
CREATE INDEX "kernel_audit_records_subject_idx" ON "kernel_audit_records" USING btree ("subject_id","occurred_at");--> statement-breakpoint
CREATE INDEX "kernel_audit_records_object_idx" ON "kernel_audit_records" USING btree ("object_type","object_id");--> statement-breakpoint
CREATE INDEX "kernel_audit_records_time_idx" ON "kernel_audit_records" USING btree ("occurred_at");