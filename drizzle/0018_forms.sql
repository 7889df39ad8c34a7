CREATE TABLE "forms_definitions" (
	"id" text PRIMARY KEY NOT NULL,
	"service_code" text NOT NULL,
	"version" integer NOT NULL,
	"state" text NOT NULL,
	"definition" jsonb NOT NULL,
	"created_by" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"activated_at" timestamp with time zone
);
--> statement-breakpoint
CREATE TABLE "forms_drafts" (
	"id" text PRIMARY KEY NOT NULL,
	"account_id" text NOT NULL,
	"service_code" text NOT NULL,
	"form_id" text NOT NULL,
	"answers" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	"submitted_case_id" text,
	"submitted_at" timestamp with time zone
);
--> statement-breakpoint
ALTER TABLE "cases_cases" ADD COLUMN "form_id" text;--> statement-breakpoint
ALTER TABLE "forms_drafts" ADD CONSTRAINT "forms_drafts_form_id_forms_definitions_id_fk" FOREIGN KEY ("form_id") REFERENCES "public"."forms_definitions"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "forms_definitions_version" ON "forms_definitions" USING btree ("service_code","version");--> statement-breakpoint
CREATE UNIQUE INDEX "forms_definitions_active" ON "forms_definitions" USING btree ("service_code") WHERE state = 'active';--> statement-breakpoint
CREATE UNIQUE INDEX "forms_drafts_open" ON "forms_drafts" USING btree ("account_id","service_code") WHERE submitted_case_id is null;--> statement-breakpoint
CREATE INDEX "forms_drafts_account" ON "forms_drafts" USING btree ("account_id","updated_at");