-- Value dates and booking times (domain.md "The fund pool"): the day the money moved, and when the hub learned it.
ALTER TABLE "ledger_transactions" ADD COLUMN "value_date" date;--> statement-breakpoint
ALTER TABLE "ledger_transactions" ADD COLUMN "booked_at" timestamp with time zone;--> statement-breakpoint
-- Backfilling the new columns of rows already booked is the one update the append-only ledger allows, here,
-- as the owner, inside this migration's transaction; no amount, account or kind is touched.
ALTER TABLE "ledger_transactions" DISABLE TRIGGER "ledger_transactions_append_only";--> statement-breakpoint
-- Booked when the row was written. A disbursement was dated its payment day, an arrival its arrival, an
-- allocation or donation its own day: the value date is that day in China Standard Time.
UPDATE "ledger_transactions" SET "booked_at" = "created_at",
  "value_date" = ("occurred_at" AT TIME ZONE INTERVAL '+08:00')::date;--> statement-breakpoint
-- A reversal or correction of aid was dated when the hub booked it: it takes the value date of the latest
-- disbursement of the same aid before it (what it corrects).
UPDATE "ledger_transactions" x SET "value_date" = d."value_date"
FROM (
  SELECT c.id, (SELECT o."value_date" FROM "ledger_transactions" o
                WHERE o."aid_id" = c."aid_id" AND o."kind" = 'DISBURSEMENT' AND o.id < c.id ORDER BY o.id DESC LIMIT 1) AS "value_date"
  FROM "ledger_transactions" c WHERE c."aid_id" IS NOT NULL AND c."kind" IN ('REVERSAL', 'CORRECTION')
) d
WHERE x.id = d.id AND d."value_date" IS NOT NULL;--> statement-breakpoint
-- A correction of a donation takes the value date of the donation it corrects.
UPDATE "ledger_transactions" x SET "value_date" = d."value_date"
FROM (
  SELECT c.id, (SELECT o."value_date" FROM "ledger_transactions" o
                WHERE o."source_system" = c."source_system" AND o."source_record_id" = c."source_record_id" AND o."aid_id" IS NULL
                  AND o."kind" = 'DONATION' AND o.id < c.id ORDER BY o.id DESC LIMIT 1) AS "value_date"
  FROM "ledger_transactions" c WHERE c."aid_id" IS NULL AND c."kind" = 'CORRECTION'
) d
WHERE x.id = d.id AND d."value_date" IS NOT NULL;--> statement-breakpoint
ALTER TABLE "ledger_transactions" ENABLE TRIGGER "ledger_transactions_append_only";--> statement-breakpoint
ALTER TABLE "ledger_transactions" ALTER COLUMN "value_date" SET NOT NULL;--> statement-breakpoint
ALTER TABLE "ledger_transactions" ALTER COLUMN "booked_at" SET NOT NULL;--> statement-breakpoint
-- The daily rollup becomes by value date, and by side: inflows are what transactions booking no aid brought
-- (allocations, donations, their corrections), outflows what aid took (a reversal nets against its payment).
DELETE FROM "ledger_daily";--> statement-breakpoint
INSERT INTO "ledger_daily" ("account_code", "day", "inflows_fen", "outflows_fen")
SELECT p."account_code", x."value_date",
  COALESCE(sum(p."amount_fen") FILTER (WHERE x."aid_id" IS NULL), 0), COALESCE(-sum(p."amount_fen") FILTER (WHERE x."aid_id" IS NOT NULL), 0)
FROM "ledger_postings" p JOIN "ledger_transactions" x ON x.id = p."tx_id" JOIN "fund_accounts" f ON f."code" = p."account_code" AND f."kind" = 'FUND'
GROUP BY 1, 2;
