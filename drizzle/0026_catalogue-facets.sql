CREATE TABLE "catalogue_published_facets" (
	"item_id" text NOT NULL,
	"topic" text NOT NULL,
	"audience" text NOT NULL,
	"department_code" text NOT NULL,
	"code" text NOT NULL,
	CONSTRAINT "catalogue_published_facets_item_id_topic_audience_pk" PRIMARY KEY("item_id","topic","audience")
);
--> statement-breakpoint
ALTER TABLE "catalogue_published_facets" ADD CONSTRAINT "catalogue_published_facets_item_id_catalogue_published_item_id_fk" FOREIGN KEY ("item_id") REFERENCES "public"."catalogue_published"("item_id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "catalogue_published_facets_audience_idx" ON "catalogue_published_facets" USING btree ("topic","audience","department_code","code");--> statement-breakpoint
CREATE INDEX "catalogue_published_facets_department_idx" ON "catalogue_published_facets" USING btree ("topic","department_code","code");--> statement-breakpoint
-- The items already published get their rows, as a publication now writes them.
INSERT INTO "catalogue_published_facets" ("item_id", "topic", "audience", "department_code", "code")
SELECT DISTINCT p."item_id", t.topic, a.audience, p."department_code", p."code"
FROM "catalogue_published" p, unnest(p."topics") AS t(topic), unnest(p."audiences") AS a(audience);
