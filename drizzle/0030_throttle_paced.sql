-- Budgets are paced (GCRA) instead of counted in fixed windows: the old counts mean nothing to the new columns, and
-- losing them gives each address a fresh budget once, at the upgrade.
DELETE FROM "kernel_throttle_counters";--> statement-breakpoint
ALTER TABLE "kernel_throttle_counters" ADD COLUMN "allowed_until" timestamp with time zone NOT NULL;--> statement-breakpoint
ALTER TABLE "kernel_throttle_counters" ADD COLUMN "last_allowed" boolean NOT NULL;--> statement-breakpoint
ALTER TABLE "kernel_throttle_counters" DROP COLUMN "hits";--> statement-breakpoint
ALTER TABLE "kernel_throttle_counters" DROP COLUMN "window_started_at";