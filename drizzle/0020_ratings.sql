CREATE TABLE "cases_ratings" (
	"case_id" text PRIMARY KEY NOT NULL,
	"account_id" text NOT NULL,
	"level" text NOT NULL,
	"scores" jsonb NOT NULL,
	"comment" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "cases_rectifications" (
	"id" text PRIMARY KEY NOT NULL,
	"case_id" text NOT NULL,
	"department_code" text NOT NULL,
	"due_on" date NOT NULL,
	"state" text NOT NULL,
	"outcome" text,
	"completed_by" text,
	"completed_at" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "cases_rectifications_case_id_unique" UNIQUE("case_id")
);
--> statement-breakpoint
ALTER TABLE "cases_ratings" ADD CONSTRAINT "cases_ratings_case_id_cases_cases_id_fk" FOREIGN KEY ("case_id") REFERENCES "public"."cases_cases"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "cases_rectifications" ADD CONSTRAINT "cases_rectifications_case_id_cases_cases_id_fk" FOREIGN KEY ("case_id") REFERENCES "public"."cases_cases"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "cases_rectifications_open" ON "cases_rectifications" USING btree ("department_code","due_on") WHERE state = 'open';