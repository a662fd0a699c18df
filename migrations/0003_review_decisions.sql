CREATE TABLE "review_decisions" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"aid_id" bigint NOT NULL,
	"kind" text NOT NULL,
	"decision" text NOT NULL,
	"reason" text NOT NULL,
	"duplicate_of" bigint,
	"decided_by" text NOT NULL,
	"decided_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "review_decisions" ADD CONSTRAINT "review_decisions_aid_id_aid_records_id_fk" FOREIGN KEY ("aid_id") REFERENCES "public"."aid_records"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "review_decisions_aid_idx" ON "review_decisions" USING btree ("aid_id","kind","id");--> statement-breakpoint
CREATE TRIGGER review_decisions_append_only BEFORE UPDATE OR DELETE ON review_decisions
  FOR EACH ROW EXECUTE FUNCTION relief_hub_append_only();
