CREATE TABLE "transit_daily" (
	"fund_code" text NOT NULL,
	"paid_on" date NOT NULL,
	"amount_fen" bigint NOT NULL,
	"records" bigint NOT NULL,
	CONSTRAINT "transit_daily_fund_code_paid_on_pk" PRIMARY KEY("fund_code","paid_on")
);
--> statement-breakpoint
-- Hand-written: transit_daily is kept by triggers on aid_records, so every writer keeps it. The predicate is
-- AWAITING_ARRIVAL of src/shared/rules.ts, the same as the partial index aid_records_in_transit_idx;
-- test/support/replay.ts checks after every scenario that the rollup equals the rule asked of aid_records.
-- Writers of aid records hold the derivation lock, so two transactions never add to the same rows side by side.
--
-- What the rollup counts: AWAITING_ARRIVAL, with a payment day. Written once here; every trigger below and the
-- backfill call it.
CREATE FUNCTION relief_hub_counts_in_transit(status text, arrived_at timestamptz, duplicate_of bigint, paid_on date) RETURNS boolean
LANGUAGE sql IMMUTABLE AS $$
  SELECT status = 'PAID' AND arrived_at IS NULL AND duplicate_of IS NULL AND paid_on IS NOT NULL
$$;
--> statement-breakpoint
-- Adds signed sums and counts per fund and payment day; removes a day left with no record in transit (a fresh
-- database would not have it).
CREATE FUNCTION relief_hub_transit_add(fs text[], ds date[], ms bigint[], ns bigint[]) RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
  gone_f text[]; gone_d date[];
BEGIN
  IF fs IS NULL THEN
    RETURN;
  END IF;
  WITH up AS (
    INSERT INTO transit_daily (fund_code, paid_on, amount_fen, records)
    SELECT f, d, sum(m), sum(n) FROM unnest(fs, ds, ms, ns) AS x(f, d, m, n)
    GROUP BY 1, 2 HAVING sum(m) <> 0 OR sum(n) <> 0 ORDER BY 1, 2
    ON CONFLICT (fund_code, paid_on) DO UPDATE SET amount_fen = transit_daily.amount_fen + EXCLUDED.amount_fen,
      records = transit_daily.records + EXCLUDED.records
    RETURNING fund_code, paid_on, records)
  SELECT array_agg(fund_code), array_agg(paid_on) INTO gone_f, gone_d FROM up WHERE records = 0;
  IF gone_f IS NOT NULL THEN
    DELETE FROM transit_daily t USING unnest(gone_f, gone_d) AS g(f, d) WHERE t.fund_code = g.f AND t.paid_on = g.d AND t.records = 0;
  END IF;
END;
$$;
--> statement-breakpoint
-- Inserted and deleted rows, a statement at a time (a bulk load inserts thousands per statement).
CREATE FUNCTION relief_hub_transit_rows() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
  fs text[]; ds date[]; ms bigint[]; ns bigint[];
BEGIN
  IF TG_OP = 'INSERT' THEN
    SELECT array_agg(f), array_agg(d), array_agg(m), array_agg(n) INTO fs, ds, ms, ns FROM (
      SELECT fund_code AS f, paid_on AS d, sum(amount_fen) AS m, count(*) AS n FROM new_rows
      WHERE relief_hub_counts_in_transit(status, arrived_at, duplicate_of, paid_on) GROUP BY 1, 2) x;
  ELSE
    SELECT array_agg(f), array_agg(d), array_agg(m), array_agg(n) INTO fs, ds, ms, ns FROM (
      SELECT fund_code AS f, paid_on AS d, -sum(amount_fen) AS m, -count(*) AS n FROM old_rows
      WHERE relief_hub_counts_in_transit(status, arrived_at, duplicate_of, paid_on) GROUP BY 1, 2) x;
  END IF;
  PERFORM relief_hub_transit_add(fs, ds, ms, ns);
  RETURN NULL;
END;
$$;
--> statement-breakpoint
-- An updated row, only when a column of the rule or of the sums changed (the trigger's WHEN): the derivation
-- rewrites other columns of every record (county, category, links), and a statement trigger would copy each
-- such row twice into its transition tables for nothing (measured at 100,000 persons: +33% on the derivation).
CREATE FUNCTION relief_hub_transit_row() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
  was boolean := relief_hub_counts_in_transit(OLD.status, OLD.arrived_at, OLD.duplicate_of, OLD.paid_on);
  is_now boolean := relief_hub_counts_in_transit(NEW.status, NEW.arrived_at, NEW.duplicate_of, NEW.paid_on);
BEGIN
  IF was AND is_now THEN
    PERFORM relief_hub_transit_add(ARRAY[OLD.fund_code, NEW.fund_code], ARRAY[OLD.paid_on, NEW.paid_on], ARRAY[-OLD.amount_fen, NEW.amount_fen], ARRAY[-1, 1]::bigint[]);
  ELSIF was THEN
    PERFORM relief_hub_transit_add(ARRAY[OLD.fund_code], ARRAY[OLD.paid_on], ARRAY[-OLD.amount_fen], ARRAY[-1]::bigint[]);
  ELSIF is_now THEN
    PERFORM relief_hub_transit_add(ARRAY[NEW.fund_code], ARRAY[NEW.paid_on], ARRAY[NEW.amount_fen], ARRAY[1]::bigint[]);
  END IF;
  RETURN NULL;
END;
$$;
--> statement-breakpoint
CREATE TRIGGER aid_records_transit_insert AFTER INSERT ON aid_records
  REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION relief_hub_transit_rows();
--> statement-breakpoint
CREATE TRIGGER aid_records_transit_update AFTER UPDATE ON aid_records FOR EACH ROW
  WHEN ((OLD.status, OLD.arrived_at, OLD.duplicate_of, OLD.paid_on, OLD.fund_code, OLD.amount_fen)
    IS DISTINCT FROM (NEW.status, NEW.arrived_at, NEW.duplicate_of, NEW.paid_on, NEW.fund_code, NEW.amount_fen))
  EXECUTE FUNCTION relief_hub_transit_row();
--> statement-breakpoint
CREATE TRIGGER aid_records_transit_delete AFTER DELETE ON aid_records
  REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION relief_hub_transit_rows();
--> statement-breakpoint
-- The records already there.
INSERT INTO transit_daily (fund_code, paid_on, amount_fen, records)
SELECT fund_code, paid_on, sum(amount_fen), count(*) FROM aid_records
WHERE relief_hub_counts_in_transit(status, arrived_at, duplicate_of, paid_on)
GROUP BY 1, 2;
