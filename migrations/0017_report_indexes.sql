DROP INDEX "aid_records_paid_idx";--> statement-breakpoint
DROP INDEX "statuses_person_idx";--> statement-breakpoint
CREATE INDEX "persons_county_idx" ON "persons" USING btree ("county_code");--> statement-breakpoint
CREATE INDEX "aid_records_paid_idx" ON "aid_records" USING btree ("paid_on","person_id","system","program","amount_fen","excess_fen","duplicate_of","status");--> statement-breakpoint
CREATE INDEX "statuses_person_idx" ON "statuses" USING btree ("person_id","valid_from","valid_to","category");