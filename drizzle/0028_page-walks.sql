DROP INDEX "cases_tasks_inbox";--> statement-breakpoint
CREATE INDEX "cases_tasks_inbox_department" ON "cases_tasks" USING btree ("department_code","due_on","opened_at") WHERE state = 'open';--> statement-breakpoint
CREATE INDEX "catalogue_items_department_idx" ON "catalogue_items" USING btree ("department_code","code");--> statement-breakpoint
CREATE INDEX "identity_accounts_staff_idx" ON "identity_accounts" USING btree ("username") WHERE kind = 'staff';--> statement-breakpoint
CREATE INDEX "cases_tasks_inbox" ON "cases_tasks" USING btree ("department_code","role","due_on","opened_at") WHERE state = 'open';