-- Partition the two histories that grow with time by year (China Standard Time years), declaratively, on
-- PostgreSQL and PGlite alike: the access log by `at`, the superseded aid record versions by `superseded_at`.
-- Each gets one partition per year 2024–2035 and a DEFAULT partition, so an insert never fails. Old years are
-- detached and archived by the operators, never deleted (README, "Retention"). The rows already there move
-- into the new tables; ids keep their sequence.
--
-- aid_records itself is not partitioned: its primary key `id` is referenced by aid_record_versions,
-- review_decisions and ledger_transactions, and its unique key (system, record_id) identifies a record across
-- years; a partitioned table's primary and unique keys must contain the partition key, and its paid_on is
-- nullable and changes with corrections. See README, "Growth and partitions".
ALTER TABLE "access_log" RENAME TO "access_log_unpartitioned";--> statement-breakpoint
ALTER INDEX "access_log_subject_idx" RENAME TO "access_log_unpartitioned_subject_idx";--> statement-breakpoint
ALTER INDEX "access_log_actor_idx" RENAME TO "access_log_unpartitioned_actor_idx";--> statement-breakpoint
CREATE TABLE "access_log" (
	"id" bigint DEFAULT nextval('access_log_id_seq'::regclass) NOT NULL,
	"at" timestamp with time zone DEFAULT now() NOT NULL,
	"actor" text NOT NULL,
	"actor_role" text NOT NULL,
	"actor_agency" text,
	"actor_county" text,
	"subject_person_id" bigint,
	"subject_id_number" text,
	"operation" text NOT NULL,
	"fields" text[] NOT NULL,
	"purpose" text,
	CONSTRAINT "access_log_id_at_pk" PRIMARY KEY("id","at")
) PARTITION BY RANGE ("at");--> statement-breakpoint
ALTER SEQUENCE "access_log_id_seq" OWNED BY "access_log"."id";--> statement-breakpoint
ALTER TABLE "aid_record_versions" RENAME TO "aid_record_versions_unpartitioned";--> statement-breakpoint
CREATE TABLE "aid_record_versions" (
	"aid_id" bigint NOT NULL,
	"version" integer NOT NULL,
	"content" jsonb NOT NULL,
	"content_hash" text NOT NULL,
	"source_record_ref" bigint,
	"superseded_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "aid_record_versions_aid_id_version_superseded_at_pk" PRIMARY KEY("aid_id","version","superseded_at")
) PARTITION BY RANGE ("superseded_at");--> statement-breakpoint
ALTER TABLE "aid_record_versions" ADD CONSTRAINT "aid_record_versions_aid_id_aid_records_id_fk" FOREIGN KEY ("aid_id") REFERENCES "public"."aid_records"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "aid_record_versions" ADD CONSTRAINT "aid_record_versions_source_record_ref_source_records_id_fk" FOREIGN KEY ("source_record_ref") REFERENCES "public"."source_records"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
DO $$
DECLARE y int;
BEGIN
  FOR y IN 2024..2035 LOOP
    EXECUTE format('CREATE TABLE %I PARTITION OF access_log FOR VALUES FROM (%L) TO (%L)',
      'access_log_y' || y, y || '-01-01 00:00:00+08', (y + 1) || '-01-01 00:00:00+08');
    -- TRUNCATE of one partition does not fire the parent's statement trigger: each partition refuses it too.
    EXECUTE format('CREATE TRIGGER access_log_no_truncate BEFORE TRUNCATE ON %I FOR EACH STATEMENT EXECUTE FUNCTION relief_hub_append_only()',
      'access_log_y' || y);
    EXECUTE format('CREATE TABLE %I PARTITION OF aid_record_versions FOR VALUES FROM (%L) TO (%L)',
      'aid_record_versions_y' || y, y || '-01-01 00:00:00+08', (y + 1) || '-01-01 00:00:00+08');
  END LOOP;
END;
$$;--> statement-breakpoint
CREATE TABLE "access_log_default" PARTITION OF "access_log" DEFAULT;--> statement-breakpoint
CREATE TRIGGER access_log_no_truncate BEFORE TRUNCATE ON access_log_default
  FOR EACH STATEMENT EXECUTE FUNCTION relief_hub_append_only();--> statement-breakpoint
CREATE TABLE "aid_record_versions_default" PARTITION OF "aid_record_versions" DEFAULT;--> statement-breakpoint
CREATE INDEX "access_log_subject_idx" ON "access_log" USING btree ("subject_id_number","at");--> statement-breakpoint
CREATE INDEX "access_log_actor_idx" ON "access_log" USING btree ("actor","at");--> statement-breakpoint
INSERT INTO "access_log" SELECT * FROM "access_log_unpartitioned";--> statement-breakpoint
INSERT INTO "aid_record_versions" SELECT * FROM "aid_record_versions_unpartitioned";--> statement-breakpoint
DROP TABLE "access_log_unpartitioned";--> statement-breakpoint
DROP TABLE "aid_record_versions_unpartitioned";--> statement-breakpoint
-- Row triggers on the partitioned table are cloned onto every partition, present and future.
CREATE TRIGGER access_log_append_only BEFORE UPDATE OR DELETE ON access_log
  FOR EACH ROW EXECUTE FUNCTION relief_hub_append_only();--> statement-breakpoint
CREATE TRIGGER access_log_no_truncate BEFORE TRUNCATE ON access_log
  FOR EACH STATEMENT EXECUTE FUNCTION relief_hub_append_only();
