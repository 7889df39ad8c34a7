DROP INDEX "catalogue_published_search_zh_idx";--> statement-breakpoint
DROP INDEX "catalogue_published_search_en_idx";--> statement-breakpoint
DROP INDEX "catalogue_published_name_grams_idx";--> statement-breakpoint
DROP INDEX "catalogue_published_title_zh_idx";--> statement-breakpoint
DROP INDEX "catalogue_published_title_en_idx";--> statement-breakpoint
CREATE INDEX "catalogue_published_department_popularity_idx" ON "catalogue_published" USING btree ("department_code","views" DESC NULLS LAST,"code");--> statement-breakpoint
CREATE INDEX "catalogue_published_search_zh_idx" ON "catalogue_published" USING gin ("search_zh") WITH (fastupdate=false);--> statement-breakpoint
CREATE INDEX "catalogue_published_search_en_idx" ON "catalogue_published" USING gin ("search_en") WITH (fastupdate=false);--> statement-breakpoint
CREATE INDEX "catalogue_published_name_grams_idx" ON "catalogue_published" USING gin ("name_grams") WITH (fastupdate=false);--> statement-breakpoint
CREATE INDEX "catalogue_published_title_zh_idx" ON "catalogue_published" USING gin ("title_zh") WITH (fastupdate=false);--> statement-breakpoint
CREATE INDEX "catalogue_published_title_en_idx" ON "catalogue_published" USING gin ("title_en") WITH (fastupdate=false);