#!/bin/sh
# Reference tables (`lookup`):
#   1. every committed SQLite database holds what the SQL script it is built
#      from says (policies/data/reference.db, tests/golden/lookup/lists.db);
#   2. `credo explain` lists each table under the policy with its file's
#      SHA-256, and traces `has` like the other tests; its JSON form names
#      the tables too;
#   3. a .credoc carries the tables: compiled from supply_chain_loan, it
#      decides the examples as the source does, and still does once the
#      data files are gone (the source then no longer compiles);
#   4. a missing column is a compile error at the lookup, exit 1.
set -u
credo=${CREDO:-build/credo}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "lookup: $*"; exit 1; }

# 1. the databases and their scripts agree (sqlite3 is one of the packages
#    README.md lists; without it there is nothing to compare with)
if command -v sqlite3 >/dev/null 2>&1; then
    for pair in policies/data/reference tests/golden/lookup/lists; do
        rm -f "$tmp/fresh.db"
        sqlite3 "$tmp/fresh.db" <"$pair.sql" || fail "$pair.sql does not run"
        sqlite3 "$pair.db" .dump >"$tmp/committed.dump" || fail "cannot dump $pair.db"
        sqlite3 "$tmp/fresh.db" .dump >"$tmp/fresh.dump"
        if ! cmp -s "$tmp/committed.dump" "$tmp/fresh.dump"; then
            diff "$tmp/committed.dump" "$tmp/fresh.dump" | head -10
            fail "$pair.db is not what $pair.sql builds: rebuild it (see the script's first lines)"
        fi
    done
else
    echo "lookup: no sqlite3 command, the databases were not compared with their scripts"
fi

# 2. explain: the tables with their SHA-256, `has` traced
golden=tests/golden/lookup_tables.credo
apps=tests/golden/lookup_tables.jsonl
out=$("$credo" explain --as-of 2026-12-01 --app L3 "$golden" "$apps") || fail "explain exit $?"
csv_sha=$(sha256sum tests/golden/lookup/sectors.csv | cut -d' ' -f1)
# a SQLite table's SHA-256 is of its rows as read (lang/README.md), not of
# the file: fixed while lookup/lists.db holds what lists.sql says (step 1)
db_sha=011b8eecc8d1e401aa04784abe93c37fd2ed8a72d7f89bacae9ee15abe6c33e7
printf '%s\n' "$out" | sed -n 3,4p >"$tmp/lookups"
printf 'Lookup      sectors  lookup/sectors.csv, 5 rows, sha256 %s\nLookup      watch    lookup/lists.db table watch, 3 rows, sha256 %s\n' \
    "$csv_sha" "$db_sha" | diff -u - "$tmp/lookups" || fail "explain does not list the tables under the policy"
printf '%s\n' "$out" | grep -qF 'watch has uscc: watch has "91440300MA5G8JRT0E" -> true' ||
    fail "explain does not trace 'has'"
json=$("$credo" explain --json --as-of 2026-12-01 --app L3 "$golden" "$apps") || fail "explain --json exit $?"
printf '%s' "$json" | grep -qF "\"lookups\":[{\"name\":\"sectors\",\"source\":\"csv\",\"path\":\"lookup/sectors.csv\",\"table\":null,\"key\":\"code\",\"rows\":5,\"sha256\":\"$csv_sha\"},{\"name\":\"watch\",\"source\":\"sqlite\",\"path\":\"lookup/lists.db\",\"table\":\"watch\",\"key\":\"uscc\",\"rows\":3,\"sha256\":\"$db_sha\"}]" ||
    fail "explain --json does not name the tables: $(printf '%s' "$json" | cut -c1-400)"
if command -v python3 >/dev/null 2>&1; then
    printf '%s' "$json" | python3 -m json.tool >/dev/null || fail "explain --json does not parse"
fi

# 3. the .credoc carries its tables
policy=policies/supply_chain_loan.credo
samples=examples/supply_chain_loan.jsonl
"$credo" compile "$policy" -o "$tmp/scf.credoc" || fail "credo compile failed"
"$credo" run --as-of 2026-12-01 "$policy" "$samples" >"$tmp/source.out" 2>&1 || fail "the source: exit $?"
"$credo" run --as-of 2026-12-01 "$tmp/scf.credoc" "$samples" >"$tmp/credoc.out" 2>&1 || fail "the .credoc: exit $?"
cmp -s "$tmp/source.out" "$tmp/credoc.out" || { diff "$tmp/source.out" "$tmp/credoc.out" | head; fail "the .credoc decides differently"; }
mkdir "$tmp/alone"
cp "$policy" "$tmp/scf.credoc" "$tmp/alone/"
"$credo" run --as-of 2026-12-01 "$tmp/alone/scf.credoc" "$samples" >"$tmp/alone.out" 2>&1 || fail "the .credoc without its data: exit $?"
cmp -s "$tmp/source.out" "$tmp/alone.out" || fail "the .credoc decides differently without the data files"
"$credo" check "$tmp/alone/supply_chain_loan.credo" >"$tmp/check.out" 2>&1 && fail "the source compiled without its data"
grep -q "error: lookup industry_risk: cannot read $tmp/alone/data/industry_risk.csv: No such file or directory" "$tmp/check.out" ||
    fail "no clear error for a missing data file: $(head -3 "$tmp/check.out")"
"$credo" explain --as-of 2026-12-01 --line 1 "$tmp/alone/scf.credoc" "$samples" | grep -q '^Lookup      blacklist      data/reference.db table blacklist, 4 rows, sha256 ' ||
    fail "explain of the .credoc does not list its tables"

# 4. a column the file does not have
sed 's/  risk: text/  risk_level: text/' "$golden" >"$tmp/bad.credo"
cp -r tests/golden/lookup "$tmp/"
"$credo" check "$tmp/bad.credo" >"$tmp/bad.out" 2>&1; rc=$?
[ "$rc" = 1 ] || fail "a missing column gave exit $rc, not 1"
grep -q "^$tmp/bad.credo:19:3: error: lookup sectors: lookup/sectors.csv has no column 'risk_level'" "$tmp/bad.out" ||
    fail "unclear error for a missing column: $(head -3 "$tmp/bad.out")"
echo "lookup: tables match their scripts, explain names them, the .credoc carries them"
