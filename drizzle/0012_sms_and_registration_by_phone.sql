CREATE TABLE "kernel_sms_messages" (
	"id" text PRIMARY KEY NOT NULL,
	"recipient" text NOT NULL,
	"text" text NOT NULL,
	"locale" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"expires_at" timestamp with time zone,
	"claimed_until" timestamp with time zone,
	"sent_at" timestamp with time zone,
	"delivered_via" text,
	"failed_at" timestamp with time zone,
	"attempts" integer DEFAULT 0 NOT NULL,
	"gateway_status" smallint,
	"last_error" text
);
--> statement-breakpoint
CREATE TABLE "identity_code_send_limits" (
	"key" text PRIMARY KEY NOT NULL,
	"recent" jsonb NOT NULL
);
--> statement-breakpoint
ALTER TABLE "identity_registrations" ALTER COLUMN "email" DROP NOT NULL;--> statement-breakpoint
ALTER TABLE "identity_registrations" ADD COLUMN "channel" text DEFAULT 'email' NOT NULL;--> statement-breakpoint
CREATE INDEX "kernel_sms_messages_unsent_idx" ON "kernel_sms_messages" USING btree ("created_at") WHERE sent_at is null and failed_at is null;