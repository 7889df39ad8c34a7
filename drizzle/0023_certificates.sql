CREATE SEQUENCE "public"."certificates_number_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 9223372036854775807 START WITH 1 CACHE 1;--> statement-breakpoint
CREATE SEQUENCE "public"."certificates_status_index_seq" INCREMENT BY 1 MINVALUE 0 MAXVALUE 9223372036854775807 START WITH 0 CACHE 1;--> statement-breakpoint
CREATE TABLE "certificates_types" (
	"code" text PRIMARY KEY NOT NULL,
	"name_zh" text NOT NULL,
	"name_en" text NOT NULL,
	"department_code" text NOT NULL,
	"issuer_name_zh" text NOT NULL,
	"issuer_name_en" text NOT NULL,
	"service_code" text,
	"number_prefix" text NOT NULL,
	"validity_years" integer,
	"fields" jsonb NOT NULL,
	"layout" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "certificates_certificates" (
	"id" text PRIMARY KEY NOT NULL,
	"number" text NOT NULL,
	"type_code" text NOT NULL,
	"holder_account_id" text,
	"holder_organisation_id" text,
	"holder_name" text NOT NULL,
	"holder_id_number" text NOT NULL,
	"fields" jsonb NOT NULL,
	"issued_on" date NOT NULL,
	"valid_until" date,
	"department_code" text NOT NULL,
	"case_id" text,
	"kid" text NOT NULL,
	"jws" text NOT NULL,
	"status_index" integer NOT NULL,
	"state" text DEFAULT 'valid' NOT NULL,
	"revoked_at" timestamp with time zone,
	"revocation_reason" text,
	"replaced_by" text,
	"issued_by" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "certificates_certificates_number_unique" UNIQUE("number"),
	CONSTRAINT "certificates_certificates_case_id_unique" UNIQUE("case_id"),
	CONSTRAINT "certificates_certificates_status_index_unique" UNIQUE("status_index")
);
--> statement-breakpoint
CREATE TABLE "certificates_share_links" (
	"token_hash" text PRIMARY KEY NOT NULL,
	"certificate_id" text NOT NULL,
	"created_by" text NOT NULL,
	"expires_at" timestamp with time zone NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "certificates_signing_keys" (
	"kid" text PRIMARY KEY NOT NULL,
	"suite" text NOT NULL,
	"public_jwk" jsonb NOT NULL,
	"private_key_sealed" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"retired_at" timestamp with time zone
);
--> statement-breakpoint
ALTER TABLE "certificates_certificates" ADD CONSTRAINT "certificates_certificates_type_code_certificates_types_code_fk" FOREIGN KEY ("type_code") REFERENCES "public"."certificates_types"("code") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "certificates_certificates" ADD CONSTRAINT "certificates_certificates_kid_certificates_signing_keys_kid_fk" FOREIGN KEY ("kid") REFERENCES "public"."certificates_signing_keys"("kid") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "certificates_share_links" ADD CONSTRAINT "certificates_share_links_certificate_id_certificates_certificates_id_fk" FOREIGN KEY ("certificate_id") REFERENCES "public"."certificates_certificates"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "certificates_holder_account" ON "certificates_certificates" USING btree ("holder_account_id","issued_on");--> statement-breakpoint
CREATE INDEX "certificates_holder_organisation" ON "certificates_certificates" USING btree ("holder_organisation_id","issued_on");--> statement-breakpoint
CREATE INDEX "certificates_type" ON "certificates_certificates" USING btree ("type_code","state");--> statement-breakpoint
CREATE INDEX "certificates_share_links_certificate" ON "certificates_share_links" USING btree ("certificate_id");