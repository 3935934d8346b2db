-- Per-user similarity search (similarForUser) reads every vector of one user. pgvector gives
-- `vector` EXTERNAL storage, so each 6 KB vector of 1536 dimensions lived out of line in the
-- TOAST table: a TOAST index lookup and several chunk reads per row, about half of the search's
-- time. PLAIN keeps it in the row (one row per 8 KB page; the row still fits, since `content`
-- stays EXTENDED and moves out when it is long), so the search stays exact at full precision.
-- A catalog change only (no rewrite, brief lock): rows written from now on are stored inline;
-- older rows move inline when the table is rewritten (README, "Per-user similarity search").
ALTER TABLE "public"."embeddings" ALTER COLUMN "embedding" SET STORAGE PLAIN;
