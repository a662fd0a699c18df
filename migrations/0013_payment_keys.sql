ALTER TABLE "source_heads" ADD COLUMN "payment_key" text;--> statement-breakpoint
CREATE INDEX "source_heads_payment_key_idx" ON "source_heads" USING btree ("system","payment_key") WHERE payment_key IS NOT NULL;--> statement-breakpoint
-- The veterans payments already held: the key of their own fields (公民身份号码|审批时间|帮扶金额 in fen), the
-- record id itself for those delivered without a voucher.
UPDATE "source_heads" h SET "payment_key" = p."id_number" || '|' || a."approved_on"::text || '|' || a."amount_fen"::text
FROM "aid_records" a JOIN "persons" p ON p.id = a."person_id"
WHERE h."system" = 'veterans' AND a."system" = 'veterans' AND a."record_id" = h."record_id" AND p."id_number" IS NOT NULL AND a."approved_on" IS NOT NULL;
