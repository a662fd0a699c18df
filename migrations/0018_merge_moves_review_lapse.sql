CREATE TABLE "review_lapses" (
	"decision_id" bigint PRIMARY KEY NOT NULL,
	"lapsed_at" timestamp with time zone DEFAULT now() NOT NULL,
	"reason" text NOT NULL
);
--> statement-breakpoint
ALTER TABLE "person_merges" ADD COLUMN "superseded_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "review_decisions" ADD COLUMN "basis" text;--> statement-breakpoint
ALTER TABLE "source_heads" ADD COLUMN "provisional_key" text;--> statement-breakpoint
ALTER TABLE "review_lapses" ADD CONSTRAINT "review_lapses_decision_id_review_decisions_id_fk" FOREIGN KEY ("decision_id") REFERENCES "public"."review_decisions"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "source_heads_provisional_key_idx" ON "source_heads" USING btree ("provisional_key") WHERE provisional_key IS NOT NULL;--> statement-breakpoint
CREATE TRIGGER review_lapses_append_only BEFORE UPDATE OR DELETE ON review_lapses
  FOR EACH ROW EXECUTE FUNCTION relief_hub_append_only();--> statement-breakpoint
-- Emergency cases carry the provisional key of their case number (adapters/health-emergency provisionalKeyOf);
-- a child's key (women-children) is not recoverable here and is written at the record's next delivery.
UPDATE "source_heads" SET "provisional_key" = 'health-emergency:case:' || "record_id" WHERE "system" = 'health-emergency' AND "provisional_key" IS NULL;
