DROP INDEX "aid_records_paid_idx";--> statement-breakpoint
ALTER TABLE "aid_records" ADD COLUMN "person_county_code" text;--> statement-breakpoint
ALTER TABLE "aid_records" ADD COLUMN "category_on_paid" text;--> statement-breakpoint
-- Hand-written: the payer's county code of the records already there (a copy of persons.county_code; the derivation
-- keeps it from now on). category_on_paid stays null until a derivation covers the record: the report asks the rule then.
UPDATE "aid_records" a SET "person_county_code" = p."county_code" FROM "persons" p WHERE p."id" = a."person_id" AND p."county_code" IS NOT NULL;--> statement-breakpoint
CREATE INDEX "aid_records_paid_idx" ON "aid_records" USING btree ("paid_on","person_id","system","program","person_county_code","category_on_paid","amount_fen","excess_fen","duplicate_of","status");