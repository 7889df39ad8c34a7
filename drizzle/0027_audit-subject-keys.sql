-- The subject of a record gets a search key of its own, `s:<id>` (ADR 20): the sealer writes it from now on, and
-- the records sealed before get theirs here. Their `p:<subject>` rows stay (derived, append-only data): a search
-- by actor, object or mandate checks the record's column anyway.
INSERT INTO "kernel_audit_lookup" ("key", "seq")
SELECT 's:' || r."subject_id", r."seq"
FROM "kernel_audit_records" r
WHERE r."subject_id" IS NOT NULL
  AND r."seq" <= (SELECT h."sealed_through" FROM "kernel_audit_head" h WHERE h."id" = 1);
