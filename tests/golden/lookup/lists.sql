-- The watch list of tests/golden/lookup_tables.credo; lists.db is built
-- from it (tests/golden/lookup.sh checks that the two agree):
--   rm -f tests/golden/lookup/lists.db
--   sqlite3 tests/golden/lookup/lists.db < tests/golden/lookup/lists.sql
CREATE TABLE watch (
  uscc      TEXT PRIMARY KEY,
  reason    TEXT NOT NULL,
  listed_on TEXT NOT NULL,
  severity  INTEGER          -- 1 to 5; NULL: not assessed yet
);
INSERT INTO watch VALUES
  ('91310115MA1K4LXB2T', 'fictitious VAT invoices', '2025-06-30', 5),
  ('91440300MA5G8JRT0E', 'late tax filings', '2026-03-01', 1),
  ('91320594MA1WQ8NE5R', 'press reports, not assessed', '2026-11-20', NULL);
