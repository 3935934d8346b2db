DROP INDEX "embeddings_user_id_index";--> statement-breakpoint
ALTER TABLE "embeddings" ADD COLUMN "content_hash" text GENERATED ALWAYS AS (md5(content)) STORED NOT NULL;--> statement-breakpoint
CREATE UNIQUE INDEX "embeddings_user_content_key" ON "embeddings" USING btree ("user_id","content_hash");