ALTER TABLE "identity_accounts" ADD COLUMN "id_type" text;--> statement-breakpoint
ALTER TABLE "identity_accounts" ADD COLUMN "id_number" text;--> statement-breakpoint
ALTER TABLE "identity_accounts" ADD COLUMN "phone" text;--> statement-breakpoint
ALTER TABLE "identity_accounts" ADD COLUMN "email" text;--> statement-breakpoint
ALTER TABLE "identity_accounts" ADD COLUMN "preferred_locale" text DEFAULT 'zh-CN' NOT NULL;