CREATE TABLE "cases_notifications" (
	"id" text PRIMARY KEY NOT NULL,
	"account_id" text,
	"department_code" text,
	"role" text,
	"case_id" text NOT NULL,
	"case_number" text NOT NULL,
	"kind" text NOT NULL,
	"details" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"read_at" timestamp with time zone
);
--> statement-breakpoint
ALTER TABLE "cases_tasks" ADD COLUMN "warned_on" date;--> statement-breakpoint
ALTER TABLE "cases_tasks" ADD COLUMN "overdue_on" date;--> statement-breakpoint
ALTER TABLE "cases_cases" ADD COLUMN "warned_on" date;--> statement-breakpoint
ALTER TABLE "cases_cases" ADD COLUMN "overdue_on" date;--> statement-breakpoint
CREATE INDEX "cases_notifications_account" ON "cases_notifications" USING btree ("account_id","created_at");--> statement-breakpoint
CREATE INDEX "cases_notifications_department" ON "cases_notifications" USING btree ("department_code","role","created_at");