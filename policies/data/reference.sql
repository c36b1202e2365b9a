-- Reference data for policies/supply_chain_loan.credo, kept by compliance.
-- The policy reads reference.db, which is built from this script:
--   rm -f policies/data/reference.db
--   sqlite3 policies/data/reference.db < policies/data/reference.sql
-- Change this script and rebuild the database together; the golden test
-- tests/golden/lookup.sh fails when the two disagree.

-- Suppliers the bank does not finance, by unified social credit code.
CREATE TABLE blacklist (
  uscc      TEXT PRIMARY KEY,   -- 18 characters
  reason    TEXT NOT NULL,
  listed_on TEXT NOT NULL       -- YYYY-MM-DD
);

INSERT INTO blacklist (uscc, reason, listed_on) VALUES
  ('91310115MA1K4LXB2T', 'fictitious VAT invoices (tax bureau notice 2025-117)', '2025-06-30'),
  ('91440300MA5G8JRT0E', 'dishonest judgment debtor (court enforcement list)', '2024-11-12'),
  ('91320594MA1WQ8NE5R', 'receivables pledged twice, on another financing platform', '2026-02-03'),
  ('91500112MA60RJ7D3K', 'forged confirmation of an anchor''s invoice', '2026-09-18');
