CREATE TABLE "identity_legal_entities" (
	"id" text PRIMARY KEY NOT NULL,
	"credit_code" text NOT NULL,
	"name_zh" text NOT NULL,
	"name_en" text,
	"kind" text NOT NULL,
	"legal_representative_id" text NOT NULL,
	"verified_by" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "identity_legal_entities_credit_code_unique" UNIQUE("credit_code")
);
--> statement-breakpoint
CREATE TABLE "identity_mandates" (
	"id" text PRIMARY KEY NOT NULL,
	"legal_entity_id" text NOT NULL,
	"grantee_id" text NOT NULL,
	"scope" text[] NOT NULL,
	"granted_by" text NOT NULL,
	"granted_as" text NOT NULL,
	"note" text,
	"valid_from" timestamp with time zone NOT NULL,
	"valid_until" timestamp with time zone NOT NULL,
	"revoked_at" timestamp with time zone,
	"revoked_by" text,
	"revoke_reason" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "identity_legal_entities" ADD CONSTRAINT "identity_legal_entities_legal_representative_id_identity_accounts_id_fk" FOREIGN KEY ("legal_representative_id") REFERENCES "public"."identity_accounts"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "identity_mandates" ADD CONSTRAINT "identity_mandates_legal_entity_id_identity_legal_entities_id_fk" FOREIGN KEY ("legal_entity_id") REFERENCES "public"."identity_legal_entities"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "identity_mandates" ADD CONSTRAINT "identity_mandates_grantee_id_identity_accounts_id_fk" FOREIGN KEY ("grantee_id") REFERENCES "public"."identity_accounts"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "identity_mandates" ADD CONSTRAINT "identity_mandates_granted_by_identity_accounts_id_fk" FOREIGN KEY ("granted_by") REFERENCES "public"."identity_accounts"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "identity_mandates" ADD CONSTRAINT "identity_mandates_revoked_by_identity_accounts_id_fk" FOREIGN KEY ("revoked_by") REFERENCES "public"."identity_accounts"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "identity_mandates_grantee_idx" ON "identity_mandates" USING btree ("grantee_id");--> statement-breakpoint
CREATE INDEX "identity_mandates_entity_idx" ON "identity_mandates" USING btree ("legal_entity_id");