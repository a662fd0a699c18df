CREATE TABLE "ledger_pending" (
	"aid_id" bigint PRIMARY KEY NOT NULL
);
--> statement-breakpoint
-- Hand-written: ledger_pending is marked by triggers on aid_records, so every writer of aid records marks what
-- it changes. The columns are those the fund-pool positions of a record are made of (src/ledger/store.ts,
-- reconcileAid): whether it is booked (status, duplicate, amount), the fund, the value date (payment, approval
-- days), the holding account's person and whether it has arrived. The ledger books the marked records and
-- removes their marks before its transaction commits. A transaction that will compare every record with the
-- ledger (a first load: `SET LOCAL relief_hub.ledger_marks = 'off'`, src/ledger/store.ts) marks nothing.
CREATE FUNCTION relief_hub_ledger_pending_rows() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  IF current_setting('relief_hub.ledger_marks', true) IS DISTINCT FROM 'off' THEN
    INSERT INTO ledger_pending (aid_id) SELECT id FROM new_rows ORDER BY id ON CONFLICT DO NOTHING;
  END IF;
  RETURN NULL;
END;
$$;
--> statement-breakpoint
CREATE FUNCTION relief_hub_ledger_pending_row() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  IF current_setting('relief_hub.ledger_marks', true) IS DISTINCT FROM 'off' THEN
    INSERT INTO ledger_pending (aid_id) VALUES (NEW.id) ON CONFLICT DO NOTHING;
  END IF;
  RETURN NULL;
END;
$$;
--> statement-breakpoint
-- Inserted rows, a statement at a time (a bulk load inserts thousands per statement).
CREATE TRIGGER aid_records_ledger_insert AFTER INSERT ON aid_records
  REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION relief_hub_ledger_pending_rows();
--> statement-breakpoint
-- An updated row, only when a column of its positions changed: the derivation rewrites other columns of many
-- records (links, flags, excess, county, category).
CREATE TRIGGER aid_records_ledger_update AFTER UPDATE ON aid_records FOR EACH ROW
  WHEN ((OLD.status, OLD.duplicate_of, OLD.amount_fen, OLD.fund_code, OLD.paid_on, OLD.approved_on, OLD.person_id, OLD.arrived_at)
    IS DISTINCT FROM (NEW.status, NEW.duplicate_of, NEW.amount_fen, NEW.fund_code, NEW.paid_on, NEW.approved_on, NEW.person_id, NEW.arrived_at))
  EXECUTE FUNCTION relief_hub_ledger_pending_row();
--> statement-breakpoint
-- Nothing is marked for the records already there: every path that changed one booked its person's records
-- before committing (`relief-hub rederive` checks every record against the ledger).
SELECT 1;
