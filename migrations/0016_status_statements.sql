CREATE TABLE "status_statements" (
	"source_system" text NOT NULL,
	"source_record_id" text NOT NULL,
	"derived_key" text NOT NULL,
	"person_id" bigint NOT NULL,
	"category" text NOT NULL,
	"detail" jsonb,
	"valid_from" date NOT NULL,
	"valid_to" date,
	"county_code" text,
	"source_record_ref" bigint,
	CONSTRAINT "status_statements_source_system_source_record_id_derived_key_pk" PRIMARY KEY("source_system","source_record_id","derived_key")
);
--> statement-breakpoint
ALTER TABLE "status_statements" ADD CONSTRAINT "status_statements_person_id_persons_id_fk" FOREIGN KEY ("person_id") REFERENCES "public"."persons"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "status_statements" ADD CONSTRAINT "status_statements_source_record_ref_source_records_id_fk" FOREIGN KEY ("source_record_ref") REFERENCES "public"."source_records"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "status_statements_key_idx" ON "status_statements" USING btree ("source_system","derived_key");--> statement-breakpoint
-- Statuses implied by payments before this migration: which payments stated them was not kept, so each is
-- kept by one statement of its own (it stays as it was); statements of later deliveries join it.
INSERT INTO "status_statements" ("source_system", "source_record_id", "derived_key", "person_id", "category", "detail", "valid_from", "valid_to", "county_code", "source_record_ref")
SELECT source_system, 'before-0011:' || source_record_id, source_record_id, person_id, category, detail, valid_from, valid_to, county_code, source_record_ref
FROM statuses WHERE source_record_id LIKE 'derived:%'
ON CONFLICT DO NOTHING;
