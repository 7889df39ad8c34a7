CREATE TABLE "kernel_calendar_days" (
	"date" date PRIMARY KEY NOT NULL,
	"kind" text NOT NULL,
	"name_zh" text NOT NULL,
	"name_en" text NOT NULL,
	"source" text DEFAULT 'official' NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "kernel_demo_seeds" (
	"name" text PRIMARY KEY NOT NULL,
	"seeded_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "kernel_event_receipts" (
	"event_id" text NOT NULL,
	"subscriber" text NOT NULL,
	"handled_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "kernel_event_receipts_event_id_subscriber_pk" PRIMARY KEY("event_id","subscriber")
);
--> statement-breakpoint
CREATE TABLE "kernel_outbox_events" (
	"id" text PRIMARY KEY NOT NULL,
	"name" text NOT NULL,
	"payload" jsonb NOT NULL,
	"occurred_at" timestamp with time zone DEFAULT now() NOT NULL,
	"dispatched_at" timestamp with time zone
);
--> statement-breakpoint
CREATE TABLE "identity_accounts" (
	"id" text PRIMARY KEY NOT NULL,
	"username" text NOT NULL,
	"display_name_zh" text NOT NULL,
	"display_name_en" text NOT NULL,
	"kind" text NOT NULL,
	"assurance_level" smallint DEFAULT 1 NOT NULL,
	"password_hash" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "identity_accounts_username_unique" UNIQUE("username")
);
--> statement-breakpoint
CREATE TABLE "identity_staff_roles" (
	"account_id" text NOT NULL,
	"department_code" text NOT NULL,
	"role" text NOT NULL,
	CONSTRAINT "identity_staff_roles_account_id_department_code_role_pk" PRIMARY KEY("account_id","department_code","role")
);
--> statement-breakpoint
CREATE TABLE "organisations_departments" (
	"id" text PRIMARY KEY NOT NULL,
	"code" text NOT NULL,
	"name_zh" text NOT NULL,
	"name_en" text NOT NULL,
	"sort_order" integer DEFAULT 0 NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "organisations_departments_code_unique" UNIQUE("code")
);
--> statement-breakpoint
ALTER TABLE "identity_staff_roles" ADD CONSTRAINT "identity_staff_roles_account_id_identity_accounts_id_fk" FOREIGN KEY ("account_id") REFERENCES "public"."identity_accounts"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "kernel_outbox_events_pending_idx" ON "kernel_outbox_events" USING btree ("id") WHERE dispatched_at is null;--> statement-breakpoint
CREATE INDEX "kernel_outbox_events_name_dispatched_idx" ON "kernel_outbox_events" USING btree ("name","dispatched_at");