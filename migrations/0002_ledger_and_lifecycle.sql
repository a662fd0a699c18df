DROP INDEX "ledger_tx_source_uq";--> statement-breakpoint
ALTER TABLE "aid_records" ADD COLUMN "recorded_by" text;--> statement-breakpoint
ALTER TABLE "aid_records" ADD COLUMN "reversal_reason" text;--> statement-breakpoint
ALTER TABLE "aid_records" ADD COLUMN "reversed_at" timestamp with time zone;--> statement-breakpoint
CREATE INDEX "ledger_tx_source_idx" ON "ledger_transactions" USING btree ("source_system","source_record_id");