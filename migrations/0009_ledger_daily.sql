CREATE TABLE "ledger_daily" (
	"account_code" text NOT NULL,
	"day" date NOT NULL,
	"inflows_fen" bigint NOT NULL,
	"outflows_fen" bigint NOT NULL,
	CONSTRAINT "ledger_daily_account_code_day_pk" PRIMARY KEY("account_code","day")
);
--> statement-breakpoint
CREATE INDEX "aid_records_in_transit_idx" ON "aid_records" USING btree ("fund_code","paid_on","amount_fen") WHERE status = 'PAID' AND arrived_at IS NULL AND duplicate_of IS NULL;--> statement-breakpoint
-- The daily sums of what the ledger already holds (days in China Standard Time).
INSERT INTO "ledger_daily" ("account_code", "day", "inflows_fen", "outflows_fen")
SELECT p.account_code, (x.occurred_at AT TIME ZONE INTERVAL '+08:00')::date,
  COALESCE(sum(p.amount_fen) FILTER (WHERE p.amount_fen > 0), 0), COALESCE(-sum(p.amount_fen) FILTER (WHERE p.amount_fen < 0), 0)
FROM ledger_postings p JOIN ledger_transactions x ON x.id = p.tx_id JOIN fund_accounts f ON f.code = p.account_code AND f.kind = 'FUND'
GROUP BY 1, 2;
