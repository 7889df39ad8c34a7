CREATE INDEX "identity_accounts_id_number_idx" ON "identity_accounts" USING btree ("id_number");--> statement-breakpoint
CREATE INDEX "identity_accounts_phone_idx" ON "identity_accounts" USING btree ("phone");--> statement-breakpoint
CREATE INDEX "identity_accounts_email_idx" ON "identity_accounts" USING btree ("email");