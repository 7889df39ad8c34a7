CREATE TABLE "catalogue_item_versions" (
	"id" text PRIMARY KEY NOT NULL,
	"item_id" text NOT NULL,
	"number" integer NOT NULL,
	"state" text NOT NULL,
	"content" jsonb NOT NULL,
	"change_note" text DEFAULT '' NOT NULL,
	"source" text NOT NULL,
	"created_by" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	"submitted_by" text,
	"submitted_at" timestamp with time zone,
	"reviewed_by" text,
	"reviewed_at" timestamp with time zone,
	"review_note" text,
	"publish_at" timestamp with time zone,
	"published_at" timestamp with time zone
);
--> statement-breakpoint
CREATE TABLE "catalogue_items" (
	"id" text PRIMARY KEY NOT NULL,
	"code" text NOT NULL,
	"department_code" text NOT NULL,
	"published_version_id" text,
	"withdrawn_at" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "catalogue_items_code_unique" UNIQUE("code")
);
--> statement-breakpoint
CREATE TABLE "catalogue_life_events" (
	"code" text PRIMARY KEY NOT NULL,
	"audience" text NOT NULL,
	"content" jsonb NOT NULL,
	"sort_order" integer DEFAULT 0 NOT NULL
);
--> statement-breakpoint
CREATE TABLE "catalogue_published" (
	"item_id" text PRIMARY KEY NOT NULL,
	"code" text NOT NULL,
	"version_id" text NOT NULL,
	"version_number" integer NOT NULL,
	"department_code" text NOT NULL,
	"name_zh" text NOT NULL,
	"name_en" text NOT NULL,
	"audiences" text[] NOT NULL,
	"topics" text[] NOT NULL,
	"life_events" text[] NOT NULL,
	"content" jsonb NOT NULL,
	"search_zh" "tsvector" NOT NULL,
	"search_en" "tsvector" NOT NULL,
	"title_zh" "tsvector" NOT NULL,
	"title_en" "tsvector" NOT NULL,
	"name_grams" "tsvector" NOT NULL,
	"views" bigint DEFAULT 0 NOT NULL,
	"published_at" timestamp with time zone NOT NULL,
	CONSTRAINT "catalogue_published_code_unique" UNIQUE("code")
);
--> statement-breakpoint
CREATE TABLE "catalogue_synonyms" (
	"id" text PRIMARY KEY NOT NULL,
	"words" text[] NOT NULL
);
--> statement-breakpoint
CREATE TABLE "catalogue_topics" (
	"code" text PRIMARY KEY NOT NULL,
	"name_zh" text NOT NULL,
	"name_en" text NOT NULL,
	"sort_order" integer DEFAULT 0 NOT NULL
);
--> statement-breakpoint
CREATE TABLE "catalogue_view_counts" (
	"item_id" text NOT NULL,
	"day" text NOT NULL,
	"views" bigint NOT NULL,
	CONSTRAINT "catalogue_view_counts_item_id_day_pk" PRIMARY KEY("item_id","day")
);
--> statement-breakpoint
CREATE TABLE "catalogue_vocabulary" (
	"word" text PRIMARY KEY NOT NULL
);
--> statement-breakpoint
ALTER TABLE "catalogue_item_versions" ADD CONSTRAINT "catalogue_item_versions_item_id_catalogue_items_id_fk" FOREIGN KEY ("item_id") REFERENCES "public"."catalogue_items"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "catalogue_published" ADD CONSTRAINT "catalogue_published_item_id_catalogue_items_id_fk" FOREIGN KEY ("item_id") REFERENCES "public"."catalogue_items"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "catalogue_item_versions_number_idx" ON "catalogue_item_versions" USING btree ("item_id","number");--> statement-breakpoint
CREATE INDEX "catalogue_item_versions_state_idx" ON "catalogue_item_versions" USING btree ("state","publish_at");--> statement-breakpoint
CREATE INDEX "catalogue_published_search_zh_idx" ON "catalogue_published" USING gin ("search_zh");--> statement-breakpoint
CREATE INDEX "catalogue_published_search_en_idx" ON "catalogue_published" USING gin ("search_en");--> statement-breakpoint
CREATE INDEX "catalogue_published_name_grams_idx" ON "catalogue_published" USING gin ("name_grams");--> statement-breakpoint
CREATE INDEX "catalogue_published_audiences_idx" ON "catalogue_published" USING gin ("audiences");--> statement-breakpoint
CREATE INDEX "catalogue_published_topics_idx" ON "catalogue_published" USING gin ("topics");--> statement-breakpoint
CREATE INDEX "catalogue_published_life_events_idx" ON "catalogue_published" USING gin ("life_events");--> statement-breakpoint
CREATE INDEX "catalogue_published_department_idx" ON "catalogue_published" USING btree ("department_code","code");--> statement-breakpoint
CREATE INDEX "catalogue_published_views_idx" ON "catalogue_published" USING btree ("views");--> statement-breakpoint
CREATE INDEX "catalogue_vocabulary_trgm_idx" ON "catalogue_vocabulary" USING gin ("word" gin_trgm_ops);--> statement-breakpoint
-- Search reads many rows of this table for a broad query and ranks them by their small title documents: keep
-- those in the row and push the large columns (content, the full search documents) out of line, so a query
-- matching 25,000 of 100,000 services reads a few thousand pages instead of twenty thousand (ADR 12).
ALTER TABLE "catalogue_published" SET (toast_tuple_target = 128);--> statement-breakpoint
ALTER TABLE "catalogue_published" ALTER COLUMN "title_zh" SET STORAGE MAIN;--> statement-breakpoint
ALTER TABLE "catalogue_published" ALTER COLUMN "title_en" SET STORAGE MAIN;
