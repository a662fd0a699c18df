ALTER TABLE "published_reports" ADD COLUMN "document" json;--> statement-breakpoint
ALTER TABLE "published_reports" ADD COLUMN "manifest" json;