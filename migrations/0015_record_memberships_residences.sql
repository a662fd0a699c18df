CREATE TABLE "memberships" (
	"source_system" text NOT NULL,
	"source_record_id" text NOT NULL,
	"household_key" text NOT NULL,
	"person_id" bigint NOT NULL,
	"relationship" text,
	"as_of" date,
	"annual_income_fen" bigint,
	"per_capita_income_fen" bigint,
	"county_code" text,
	"source_record_ref" bigint,
	CONSTRAINT "memberships_source_system_source_record_id_pk" PRIMARY KEY("source_system","source_record_id")
);
--> statement-breakpoint
CREATE TABLE "residences" (
	"source_system" text NOT NULL,
	"source_record_id" text NOT NULL,
	"person_id" bigint NOT NULL,
	"county_code" text NOT NULL,
	"as_of" date NOT NULL,
	"source_record_ref" bigint,
	CONSTRAINT "residences_source_system_source_record_id_pk" PRIMARY KEY("source_system","source_record_id")
);
--> statement-breakpoint
ALTER TABLE "memberships" ADD CONSTRAINT "memberships_person_id_persons_id_fk" FOREIGN KEY ("person_id") REFERENCES "public"."persons"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "memberships" ADD CONSTRAINT "memberships_source_record_ref_source_records_id_fk" FOREIGN KEY ("source_record_ref") REFERENCES "public"."source_records"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "residences" ADD CONSTRAINT "residences_person_id_persons_id_fk" FOREIGN KEY ("person_id") REFERENCES "public"."persons"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "residences" ADD CONSTRAINT "residences_source_record_ref_source_records_id_fk" FOREIGN KEY ("source_record_ref") REFERENCES "public"."source_records"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "memberships_person_idx" ON "memberships" USING btree ("person_id");--> statement-breakpoint
CREATE INDEX "memberships_household_idx" ON "memberships" USING btree ("household_key");--> statement-breakpoint
CREATE INDEX "residences_person_idx" ON "residences" USING btree ("person_id");--> statement-breakpoint
-- What the tables already hold, as the records' statements (a membership per member row, a residence per
-- status that states a county); counties and households are derived from these from now on.
INSERT INTO "memberships" ("source_system", "source_record_id", "household_key", "person_id", "relationship", "as_of", "annual_income_fen", "per_capita_income_fen", "county_code")
SELECT hm.source_system, hm.source_record_id, h.key, hm.person_id, hm.relationship, hm.since, h.annual_income_fen, h.per_capita_income_fen, h.county_code
FROM household_members hm JOIN households h ON h.id = hm.household_id WHERE hm.source_record_id IS NOT NULL
ON CONFLICT DO NOTHING;--> statement-breakpoint
INSERT INTO "residences" ("source_system", "source_record_id", "person_id", "county_code", "as_of", "source_record_ref")
SELECT source_system, source_record_id, person_id, county_code, valid_from, source_record_ref FROM statuses
WHERE county_code IS NOT NULL AND source_record_id NOT LIKE 'derived:%'
ON CONFLICT DO NOTHING;
