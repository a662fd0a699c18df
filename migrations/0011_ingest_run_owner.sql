ALTER TABLE "ingest_runs" ADD COLUMN "status" text DEFAULT 'RUNNING' NOT NULL;--> statement-breakpoint
ALTER TABLE "ingest_runs" ADD COLUMN "owner" text;--> statement-breakpoint
ALTER TABLE "ingest_runs" ADD COLUMN "heartbeat_at" timestamp with time zone;--> statement-breakpoint
CREATE INDEX "ingest_runs_running_idx" ON "ingest_runs" USING btree ("started_at") WHERE status = 'RUNNING';--> statement-breakpoint
-- Runs that finished before runs had a status; unfinished ones stay RUNNING with no owner and are aborted by the next sweep.
UPDATE "ingest_runs" SET "status" = 'FINISHED' WHERE "finished_at" IS NOT NULL;
