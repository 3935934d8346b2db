-- Keep each embedding inside its row instead of in the TOAST table. A 1536-dimension vector is
-- 6 KB, above the 2 KB at which Postgres starts moving values out of a row, so every read of a
-- vector cost a TOAST index lookup and several chunk reads: per-user exact search over 1,000
-- vectors took ~15 ms that way, ~3 ms inline (pnpm bench, 3b). With toast_tuple_target at its
-- maximum, values move out only when the row would not fit in an 8 KB page (a very long
-- content). Column STORAGE PLAIN was tried first: it pushed the small content and content_hash
-- values out to TOAST instead. Applies to rows written from now on (older rows move when
-- rewritten, e.g. by VACUUM FULL embeddings).
ALTER TABLE "embeddings" SET (toast_tuple_target = 8160);
