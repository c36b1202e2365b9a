#!/bin/sh
# credo run --db: applicants read from an SQLite table (or a query) decide
# exactly as the same applicants given as JSON lines; --out-db writes the
# decisions into a table.
set -u
credo=${CREDO:-build/credo}
command -v sqlite3 >/dev/null 2>&1 || { echo "skip: the sqlite3 command is not installed"; exit 0; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*"; exit 1; }
head -300 tests/reference/applicants.jsonl > "$tmp/in.jsonl"
{
    echo "CREATE TABLE raw(j TEXT);"
    echo "BEGIN;"
    sed "s/'/''/g; s/.*/INSERT INTO raw VALUES('&');/" "$tmp/in.jsonl"
    echo "COMMIT;"
    cat <<'SQL'
CREATE TABLE applicants AS SELECT
  json_extract(j, '$.app_id') AS app_id, json_extract(j, '$.age') AS age,
  json_extract(j, '$.business_years') AS business_years, json_extract(j, '$.industry') AS industry,
  json_extract(j, '$.uscc') AS uscc, json_extract(j, '$.annual_revenue') AS annual_revenue,
  json_extract(j, '$.tax_paid_12m') AS tax_paid_12m, json_extract(j, '$.tax_grade') AS tax_grade,
  json_extract(j, '$.pos_flow_12m') AS pos_flow_12m, json_extract(j, '$.monthly_income') AS monthly_income,
  json_extract(j, '$.monthly_debt_payment') AS monthly_debt_payment, json_extract(j, '$.credit_score') AS credit_score,
  json_extract(j, '$.overdue_count_24m') AS overdue_count_24m, json_extract(j, '$.max_overdue_days_24m') AS max_overdue_days_24m,
  json_extract(j, '$.inquiries_3m') AS inquiries_3m, json_extract(j, '$.blacklisted') AS blacklisted,
  json_extract(j, '$.requested_amount') AS requested_amount, json_extract(j, '$.requested_term') AS requested_term,
  json_extract(j, '$.collateral_value') AS collateral_value, json_extract(j, '$.monthly_sales') AS monthly_sales
FROM raw ORDER BY rowid;
SQL
} | sqlite3 "$tmp/apps.db" || fail "building the database"
"$credo" run --as-of 2026-12-01 policies/sme_tax_loan.credo "$tmp/in.jsonl" > "$tmp/from_json"
"$credo" run --as-of 2026-12-01 --db "$tmp/apps.db" --table applicants policies/sme_tax_loan.credo > "$tmp/from_db" || fail "run --db exit $?"
cmp "$tmp/from_json" "$tmp/from_db" || { diff "$tmp/from_json" "$tmp/from_db" | head -5; fail "--db differs from JSON lines"; }
"$credo" run -j 2 --as-of 2026-12-01 --db "$tmp/apps.db" --query "SELECT * FROM applicants WHERE credit_score >= 700" \
    --out-db "$tmp/out.db" policies/sme_tax_loan.credo > "$tmp/q" || fail "run --query exit $?"
n=$(sqlite3 "$tmp/apps.db" "SELECT count(*) FROM applicants WHERE credit_score >= 700")
[ "$(wc -l < "$tmp/q")" -eq "$n" ] || fail "--query gave $(wc -l < "$tmp/q") lines, expected $n"
[ "$(sqlite3 "$tmp/out.db" "SELECT count(*) FROM decisions")" -eq "$n" ] || fail "--out-db rows"
[ "$(sqlite3 "$tmp/out.db" "SELECT decision_json FROM decisions ORDER BY line LIMIT 1")" = "$(head -1 "$tmp/q")" ] || fail "--out-db content"
"$credo" run --db "$tmp/apps.db" --query "DELETE FROM applicants" policies/sme_tax_loan.credo > /dev/null 2> "$tmp/err"; rc=$?
[ "$rc" -eq 1 ] && grep -q "must only read" "$tmp/err" || fail "a writing query must be refused"
printf 'not a database' > "$tmp/bad.db"
"$credo" run --db "$tmp/bad.db" --table applicants policies/sme_tax_loan.credo > /dev/null 2> "$tmp/err"; rc=$?
[ "$rc" -eq 1 ] && grep -q "bad.db" "$tmp/err" || fail "a non-database must be a clear error: $(cat "$tmp/err")"
echo "run --db: $n of 300 by query, all 300 by table identical to JSON lines"
