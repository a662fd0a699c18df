CREATE TABLE "access_log" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"at" timestamp with time zone DEFAULT now() NOT NULL,
	"actor" text NOT NULL,
	"actor_role" text NOT NULL,
	"actor_agency" text,
	"actor_county" text,
	"subject_person_id" bigint,
	"subject_id_number" text,
	"operation" text NOT NULL,
	"fields" text[] NOT NULL,
	"purpose" text
);
--> statement-breakpoint
CREATE TABLE "aid_record_versions" (
	"aid_id" bigint NOT NULL,
	"version" integer NOT NULL,
	"content" jsonb NOT NULL,
	"content_hash" text NOT NULL,
	"source_record_ref" bigint,
	"superseded_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "aid_record_versions_aid_id_version_pk" PRIMARY KEY("aid_id","version")
);
--> statement-breakpoint
CREATE TABLE "aid_records" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"system" text NOT NULL,
	"record_id" text NOT NULL,
	"person_id" bigint NOT NULL,
	"program" text NOT NULL,
	"fund_code" text NOT NULL,
	"amount_fen" bigint NOT NULL,
	"approved_on" date,
	"paid_on" date,
	"arrived_at" timestamp with time zone,
	"voucher" text,
	"voucher_normalized" text,
	"settlement_ref" text,
	"hospital_code" text,
	"status" text NOT NULL,
	"details" jsonb,
	"origin" text DEFAULT 'SOURCE' NOT NULL,
	"override_reason" text,
	"version" integer DEFAULT 1 NOT NULL,
	"content_hash" text NOT NULL,
	"source_record_ref" bigint,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	"duplicate_of" bigint,
	"flags" text[] DEFAULT '{}'::text[] NOT NULL,
	"link_kind" text DEFAULT 'NONE' NOT NULL,
	"linked_settlement_id" text,
	"excess_fen" bigint DEFAULT 0 NOT NULL
);
--> statement-breakpoint
CREATE TABLE "donations" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"system" text NOT NULL,
	"donation_id" text NOT NULL,
	"donor" text,
	"amount_fen" bigint NOT NULL,
	"received_at" timestamp with time zone NOT NULL,
	"fund_code" text NOT NULL,
	"content_hash" text NOT NULL,
	"source_record_ref" bigint
);
--> statement-breakpoint
CREATE TABLE "fund_accounts" (
	"code" text PRIMARY KEY NOT NULL,
	"name" text NOT NULL,
	"kind" text NOT NULL,
	"agency" text,
	"program" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "household_members" (
	"household_id" bigint NOT NULL,
	"person_id" bigint NOT NULL,
	"relationship" text,
	"source_system" text NOT NULL,
	"source_record_id" text,
	"since" date,
	CONSTRAINT "household_members_household_id_person_id_pk" PRIMARY KEY("household_id","person_id")
);
--> statement-breakpoint
CREATE TABLE "households" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"key" text NOT NULL,
	"source_system" text NOT NULL,
	"annual_income_fen" bigint,
	"per_capita_income_fen" bigint,
	"income_as_of" date,
	"county_code" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "ingest_runs" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"system" text NOT NULL,
	"file" text NOT NULL,
	"started_at" timestamp with time zone DEFAULT now() NOT NULL,
	"finished_at" timestamp with time zone,
	"records" integer DEFAULT 0 NOT NULL,
	"new_count" integer DEFAULT 0 NOT NULL,
	"updated_count" integer DEFAULT 0 NOT NULL,
	"unchanged_count" integer DEFAULT 0 NOT NULL,
	"quarantined_count" integer DEFAULT 0 NOT NULL,
	"rejected" boolean DEFAULT false NOT NULL,
	"reason" text,
	"message" text
);
--> statement-breakpoint
CREATE TABLE "ledger_postings" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"tx_id" bigint NOT NULL,
	"account_code" text NOT NULL,
	"amount_fen" bigint NOT NULL,
	"person_id" bigint
);
--> statement-breakpoint
CREATE TABLE "ledger_transactions" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"kind" text NOT NULL,
	"occurred_at" timestamp with time zone NOT NULL,
	"description" text,
	"aid_id" bigint,
	"source_system" text,
	"source_record_id" text,
	"reverses_tx_id" bigint,
	"created_by" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "person_merges" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"from_person_id" bigint NOT NULL,
	"into_person_id" bigint NOT NULL,
	"reason" text NOT NULL,
	"evidence" jsonb,
	"merged_at" timestamp with time zone DEFAULT now() NOT NULL,
	"undone_at" timestamp with time zone,
	"undone_by" text,
	"undo_reason" text
);
--> statement-breakpoint
CREATE TABLE "persons" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"id_number" text,
	"provisional_key" text,
	"name" text,
	"name_normalized" text,
	"sex" text,
	"birth_date" date,
	"county_code" text,
	"county_as_of" date,
	"guardian_id_number" text,
	"merged_into" bigint,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "policies" (
	"code" text NOT NULL,
	"version" integer NOT NULL,
	"kind" text NOT NULL,
	"title" text NOT NULL,
	"effective_from" date NOT NULL,
	"effective_to" date,
	"definition" jsonb NOT NULL,
	"published_at" timestamp with time zone DEFAULT now() NOT NULL,
	"published_by" text,
	CONSTRAINT "policies_code_version_pk" PRIMARY KEY("code","version")
);
--> statement-breakpoint
CREATE TABLE "quarantine" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"system" text NOT NULL,
	"file" text NOT NULL,
	"location" jsonb NOT NULL,
	"record_id" text,
	"reason_code" text NOT NULL,
	"message" text NOT NULL,
	"raw" text NOT NULL,
	"value" jsonb,
	"raw_hash" text NOT NULL,
	"ingest_run_id" bigint,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"resolved_at" timestamp with time zone,
	"resolution" text
);
--> statement-breakpoint
CREATE TABLE "settlement_refunds" (
	"refund_id" text PRIMARY KEY NOT NULL,
	"original_settlement_id" text NOT NULL,
	"refunded_at" timestamp with time zone,
	"source_record_ref" bigint
);
--> statement-breakpoint
CREATE TABLE "settlements" (
	"settlement_id" text PRIMARY KEY NOT NULL,
	"person_id" bigint NOT NULL,
	"insured_person_no" text,
	"hospital_code" text,
	"hospital_name" text,
	"admitted_on" date,
	"discharged_on" date,
	"diagnosis_code" text,
	"total_fen" bigint NOT NULL,
	"policy_scope_fen" bigint NOT NULL,
	"basic_fen" bigint NOT NULL,
	"critical_fen" bigint NOT NULL,
	"supplement_fen" bigint NOT NULL,
	"assistance_fen" bigint NOT NULL,
	"burden_fen" bigint NOT NULL,
	"settled_at" timestamp with time zone,
	"refunded_by" text,
	"content_hash" text NOT NULL,
	"source_record_ref" bigint,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "source_heads" (
	"system" text NOT NULL,
	"record_id" text NOT NULL,
	"content_hash" text NOT NULL,
	"identity" text,
	"version" integer DEFAULT 1 NOT NULL,
	"source_record_ref" bigint,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "source_heads_system_record_id_pk" PRIMARY KEY("system","record_id")
);
--> statement-breakpoint
CREATE TABLE "source_records" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"system" text NOT NULL,
	"record_id" text NOT NULL,
	"content_hash" text NOT NULL,
	"file" text NOT NULL,
	"location" jsonb NOT NULL,
	"raw" text NOT NULL,
	"ingest_run_id" bigint,
	"ingested_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "statuses" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"person_id" bigint NOT NULL,
	"category" text NOT NULL,
	"detail" jsonb,
	"valid_from" date NOT NULL,
	"valid_to" date,
	"county_code" text,
	"source_system" text NOT NULL,
	"source_record_id" text NOT NULL,
	"source_record_ref" bigint
);
--> statement-breakpoint
CREATE TABLE "sync_watermarks" (
	"system" text PRIMARY KEY NOT NULL,
	"watermark" text NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "warnings" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"kind" text NOT NULL,
	"person_id" bigint,
	"household_id" bigint,
	"settlement_id" text,
	"county_code" text,
	"opened_at" timestamp with time zone DEFAULT now() NOT NULL,
	"closed_at" timestamp with time zone,
	"evidence" jsonb NOT NULL,
	"policy_code" text NOT NULL,
	"policy_version" integer NOT NULL
);
--> statement-breakpoint
ALTER TABLE "aid_record_versions" ADD CONSTRAINT "aid_record_versions_aid_id_aid_records_id_fk" FOREIGN KEY ("aid_id") REFERENCES "public"."aid_records"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "aid_record_versions" ADD CONSTRAINT "aid_record_versions_source_record_ref_source_records_id_fk" FOREIGN KEY ("source_record_ref") REFERENCES "public"."source_records"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "aid_records" ADD CONSTRAINT "aid_records_person_id_persons_id_fk" FOREIGN KEY ("person_id") REFERENCES "public"."persons"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "aid_records" ADD CONSTRAINT "aid_records_source_record_ref_source_records_id_fk" FOREIGN KEY ("source_record_ref") REFERENCES "public"."source_records"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "donations" ADD CONSTRAINT "donations_source_record_ref_source_records_id_fk" FOREIGN KEY ("source_record_ref") REFERENCES "public"."source_records"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "household_members" ADD CONSTRAINT "household_members_household_id_households_id_fk" FOREIGN KEY ("household_id") REFERENCES "public"."households"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "household_members" ADD CONSTRAINT "household_members_person_id_persons_id_fk" FOREIGN KEY ("person_id") REFERENCES "public"."persons"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "ledger_postings" ADD CONSTRAINT "ledger_postings_tx_id_ledger_transactions_id_fk" FOREIGN KEY ("tx_id") REFERENCES "public"."ledger_transactions"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "ledger_postings" ADD CONSTRAINT "ledger_postings_account_code_fund_accounts_code_fk" FOREIGN KEY ("account_code") REFERENCES "public"."fund_accounts"("code") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "ledger_postings" ADD CONSTRAINT "ledger_postings_person_id_persons_id_fk" FOREIGN KEY ("person_id") REFERENCES "public"."persons"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "ledger_transactions" ADD CONSTRAINT "ledger_transactions_aid_id_aid_records_id_fk" FOREIGN KEY ("aid_id") REFERENCES "public"."aid_records"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "quarantine" ADD CONSTRAINT "quarantine_ingest_run_id_ingest_runs_id_fk" FOREIGN KEY ("ingest_run_id") REFERENCES "public"."ingest_runs"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "settlement_refunds" ADD CONSTRAINT "settlement_refunds_source_record_ref_source_records_id_fk" FOREIGN KEY ("source_record_ref") REFERENCES "public"."source_records"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "settlements" ADD CONSTRAINT "settlements_person_id_persons_id_fk" FOREIGN KEY ("person_id") REFERENCES "public"."persons"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "settlements" ADD CONSTRAINT "settlements_source_record_ref_source_records_id_fk" FOREIGN KEY ("source_record_ref") REFERENCES "public"."source_records"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "source_heads" ADD CONSTRAINT "source_heads_source_record_ref_source_records_id_fk" FOREIGN KEY ("source_record_ref") REFERENCES "public"."source_records"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "source_records" ADD CONSTRAINT "source_records_ingest_run_id_ingest_runs_id_fk" FOREIGN KEY ("ingest_run_id") REFERENCES "public"."ingest_runs"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "statuses" ADD CONSTRAINT "statuses_person_id_persons_id_fk" FOREIGN KEY ("person_id") REFERENCES "public"."persons"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "statuses" ADD CONSTRAINT "statuses_source_record_ref_source_records_id_fk" FOREIGN KEY ("source_record_ref") REFERENCES "public"."source_records"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "warnings" ADD CONSTRAINT "warnings_person_id_persons_id_fk" FOREIGN KEY ("person_id") REFERENCES "public"."persons"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "warnings" ADD CONSTRAINT "warnings_household_id_households_id_fk" FOREIGN KEY ("household_id") REFERENCES "public"."households"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "access_log_subject_idx" ON "access_log" USING btree ("subject_id_number","at");--> statement-breakpoint
CREATE INDEX "access_log_actor_idx" ON "access_log" USING btree ("actor","at");--> statement-breakpoint
CREATE UNIQUE INDEX "aid_records_source_uq" ON "aid_records" USING btree ("system","record_id");--> statement-breakpoint
CREATE INDEX "aid_records_person_idx" ON "aid_records" USING btree ("person_id");--> statement-breakpoint
CREATE INDEX "aid_records_voucher_idx" ON "aid_records" USING btree ("voucher_normalized");--> statement-breakpoint
CREATE INDEX "aid_records_settlement_ref_idx" ON "aid_records" USING btree ("settlement_ref");--> statement-breakpoint
CREATE INDEX "aid_records_linked_idx" ON "aid_records" USING btree ("linked_settlement_id");--> statement-breakpoint
CREATE INDEX "aid_records_paid_idx" ON "aid_records" USING btree ("paid_on");--> statement-breakpoint
CREATE UNIQUE INDEX "donations_source_uq" ON "donations" USING btree ("system","donation_id");--> statement-breakpoint
CREATE INDEX "household_members_person_idx" ON "household_members" USING btree ("person_id");--> statement-breakpoint
CREATE UNIQUE INDEX "households_key_uq" ON "households" USING btree ("key");--> statement-breakpoint
CREATE INDEX "ledger_postings_account_idx" ON "ledger_postings" USING btree ("account_code","tx_id");--> statement-breakpoint
CREATE UNIQUE INDEX "ledger_tx_source_uq" ON "ledger_transactions" USING btree ("kind","source_system","source_record_id");--> statement-breakpoint
CREATE INDEX "ledger_tx_aid_idx" ON "ledger_transactions" USING btree ("aid_id");--> statement-breakpoint
CREATE UNIQUE INDEX "persons_id_number_uq" ON "persons" USING btree ("id_number");--> statement-breakpoint
CREATE UNIQUE INDEX "persons_provisional_key_uq" ON "persons" USING btree ("provisional_key");--> statement-breakpoint
CREATE INDEX "persons_guardian_idx" ON "persons" USING btree ("guardian_id_number");--> statement-breakpoint
CREATE UNIQUE INDEX "quarantine_raw_uq" ON "quarantine" USING btree ("system","raw_hash");--> statement-breakpoint
CREATE INDEX "quarantine_system_idx" ON "quarantine" USING btree ("system","id");--> statement-breakpoint
CREATE INDEX "settlements_person_idx" ON "settlements" USING btree ("person_id");--> statement-breakpoint
CREATE INDEX "settlements_hospital_idx" ON "settlements" USING btree ("person_id","hospital_code","discharged_on");--> statement-breakpoint
CREATE UNIQUE INDEX "source_records_version_uq" ON "source_records" USING btree ("system","record_id","content_hash");--> statement-breakpoint
CREATE UNIQUE INDEX "statuses_source_uq" ON "statuses" USING btree ("source_system","source_record_id");--> statement-breakpoint
CREATE INDEX "statuses_person_idx" ON "statuses" USING btree ("person_id");--> statement-breakpoint
CREATE INDEX "warnings_kind_idx" ON "warnings" USING btree ("kind","closed_at");--> statement-breakpoint
CREATE INDEX "warnings_person_idx" ON "warnings" USING btree ("person_id");