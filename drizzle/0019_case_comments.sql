CREATE TABLE "cases_comments" (
	"id" text PRIMARY KEY NOT NULL,
	"case_id" text NOT NULL,
	"author_id" text NOT NULL,
	"department_code" text NOT NULL,
	"body" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "cases_comments" ADD CONSTRAINT "cases_comments_case_id_cases_cases_id_fk" FOREIGN KEY ("case_id") REFERENCES "public"."cases_cases"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "cases_comments_case" ON "cases_comments" USING btree ("case_id","created_at");