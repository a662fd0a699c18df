CREATE TABLE "published_reports" (
	"year" integer NOT NULL,
	"quarter" integer NOT NULL,
	"group_by" text[] NOT NULL,
	"report" jsonb NOT NULL,
	"published_at" timestamp with time zone DEFAULT now() NOT NULL,
	"published_by" text NOT NULL,
	CONSTRAINT "published_reports_year_quarter_pk" PRIMARY KEY("year","quarter")
);
--> statement-breakpoint
CREATE TRIGGER published_reports_append_only BEFORE UPDATE OR DELETE ON published_reports
  FOR EACH ROW EXECUTE FUNCTION relief_hub_append_only();
