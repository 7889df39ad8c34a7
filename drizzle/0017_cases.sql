CREATE SEQUENCE "public"."cases_number_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 9223372036854775807 START WITH 1 CACHE 1;--> statement-breakpoint
CREATE TABLE "cases_tasks" (
	"id" text PRIMARY KEY NOT NULL,
	"case_id" text NOT NULL,
	"node_id" text NOT NULL,
	"kind" text NOT NULL,
	"department_code" text NOT NULL,
	"role" text NOT NULL,
	"state" text NOT NULL,
	"outcome" text,
	"reason" text,
	"claimed_by" text,
	"opened_on" date NOT NULL,
	"limit_days" integer NOT NULL,
	"due_on" date,
	"decided_by" text,
	"decided_at" timestamp with time zone,
	"opened_at" timestamp with time zone DEFAULT now() NOT NULL,
	"revision" integer DEFAULT 1 NOT NULL
);
--> statement-breakpoint
CREATE TABLE "cases_timeline" (
	"id" text PRIMARY KEY NOT NULL,
	"case_id" text NOT NULL,
	"at" timestamp with time zone DEFAULT now() NOT NULL,
	"kind" text NOT NULL,
	"department_code" text,
	"task_id" text,
	"details" jsonb DEFAULT '{}'::jsonb NOT NULL
);
--> statement-breakpoint
CREATE TABLE "cases_cases" (
	"id" text PRIMARY KEY NOT NULL,
	"number" text NOT NULL,
	"service_code" text NOT NULL,
	"department_code" text NOT NULL,
	"definition_id" text NOT NULL,
	"applicant_id" text NOT NULL,
	"organisation_id" text,
	"channel" text NOT NULL,
	"submitted_by" text NOT NULL,
	"answers" jsonb NOT NULL,
	"state" text NOT NULL,
	"flow" jsonb NOT NULL,
	"started_on" date NOT NULL,
	"statutory_days" integer NOT NULL,
	"promised_days" integer NOT NULL,
	"pauses" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"missing" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"due_on" date,
	"submitted_at" timestamp with time zone DEFAULT now() NOT NULL,
	"closed_at" timestamp with time zone,
	"revision" integer DEFAULT 1 NOT NULL,
	CONSTRAINT "cases_cases_number_unique" UNIQUE("number")
);
--> statement-breakpoint
CREATE TABLE "cases_process_definitions" (
	"id" text PRIMARY KEY NOT NULL,
	"service_code" text NOT NULL,
	"version" integer NOT NULL,
	"state" text NOT NULL,
	"definition" jsonb NOT NULL,
	"note" text DEFAULT '' NOT NULL,
	"created_by" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"activated_at" timestamp with time zone
);
--> statement-breakpoint
CREATE TABLE "cases_submission_keys" (
	"account_id" text NOT NULL,
	"key" text NOT NULL,
	"request_hash" text NOT NULL,
	"case_id" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "cases_submission_keys_account_id_key_pk" PRIMARY KEY("account_id","key")
);
--> statement-breakpoint
ALTER TABLE "cases_tasks" ADD CONSTRAINT "cases_tasks_case_id_cases_cases_id_fk" FOREIGN KEY ("case_id") REFERENCES "public"."cases_cases"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "cases_timeline" ADD CONSTRAINT "cases_timeline_case_id_cases_cases_id_fk" FOREIGN KEY ("case_id") REFERENCES "public"."cases_cases"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "cases_cases" ADD CONSTRAINT "cases_cases_definition_id_cases_process_definitions_id_fk" FOREIGN KEY ("definition_id") REFERENCES "public"."cases_process_definitions"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "cases_submission_keys" ADD CONSTRAINT "cases_submission_keys_case_id_cases_cases_id_fk" FOREIGN KEY ("case_id") REFERENCES "public"."cases_cases"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "cases_tasks_inbox" ON "cases_tasks" USING btree ("department_code","role","due_on") WHERE state = 'open';--> statement-breakpoint
CREATE INDEX "cases_tasks_case" ON "cases_tasks" USING btree ("case_id");--> statement-breakpoint
CREATE INDEX "cases_timeline_case" ON "cases_timeline" USING btree ("case_id","at");--> statement-breakpoint
CREATE INDEX "cases_cases_applicant" ON "cases_cases" USING btree ("applicant_id","submitted_at");--> statement-breakpoint
CREATE INDEX "cases_cases_service" ON "cases_cases" USING btree ("service_code","state");--> statement-breakpoint
CREATE UNIQUE INDEX "cases_process_definitions_version" ON "cases_process_definitions" USING btree ("service_code","version");--> statement-breakpoint
CREATE UNIQUE INDEX "cases_process_definitions_active" ON "cases_process_definitions" USING btree ("service_code") WHERE state = 'active';