-- Budgets are paced (GCRA) instead of counted in fixed windows: the old counts mean nothing to the new columns, and
-- losing them gives each address a fresh budget once, at the upgrade. TRUNCATE, not DELETE: its exclusive lock keeps
-- an instance still counting from adding a row before the NOT NULL columns are added. Old instances cannot count
-- against the new columns at all: stop every instance before migrating (docs/operations.md, upgrades).
TRUNCATE "kernel_throttle_counters";--> statement-breakpoint
ALTER TABLE "kernel_throttle_counters" ADD COLUMN "allowed_until" timestamp with time zone NOT NULL;--> statement-breakpoint
ALTER TABLE "kernel_throttle_counters" ADD COLUMN "last_allowed" boolean NOT NULL;--> statement-breakpoint
ALTER TABLE "kernel_throttle_counters" DROP COLUMN "hits";--> statement-breakpoint
ALTER TABLE "kernel_throttle_counters" DROP COLUMN "window_started_at";