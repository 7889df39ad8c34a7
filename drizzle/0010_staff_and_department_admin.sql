ALTER TABLE "identity_accounts" ADD COLUMN "disabled_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "organisations_departments" ADD COLUMN "website_url" text;