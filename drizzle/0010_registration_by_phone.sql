CREATE TABLE "identity_code_send_limits" (
	"key" text PRIMARY KEY NOT NULL,
	"recent" jsonb NOT NULL
);
--> statement-breakpoint
ALTER TABLE "identity_registrations" ALTER COLUMN "email" DROP NOT NULL;--> statement-breakpoint
ALTER TABLE "identity_registrations" ADD COLUMN "channel" text DEFAULT 'email' NOT NULL;