DROP INDEX "catalogue_published_views_idx";--> statement-breakpoint
CREATE INDEX "catalogue_published_title_zh_idx" ON "catalogue_published" USING gin ("title_zh");--> statement-breakpoint
CREATE INDEX "catalogue_published_title_en_idx" ON "catalogue_published" USING gin ("title_en");--> statement-breakpoint
CREATE INDEX "catalogue_published_popularity_idx" ON "catalogue_published" USING btree ("views" DESC NULLS LAST,"code");