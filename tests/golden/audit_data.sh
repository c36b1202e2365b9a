#!/bin/sh
# The decision log records the reference tables (`lookup`) each decision
# was made with: their files' SHA-256 in the data table, named by every
# decision row and covered by its row_hash.  An edited data row fails
# verify; `audit show` says when a file has changed since, and the replay
# then differs; a rerun with changed data logs new rows superseding the old
# (tests/golden/audit_supersede.sh checks them line by line).  Logs of
# schema 1 and 2 (tests/golden/audit/log_schema1.sql and log_schema2.sql,
# written by earlier credo) still verify and show, read-only, and credo
# refuses to append to them.
set -u
LC_ALL=C
export LC_ALL
credo=${CREDO:-build/credo}
case $credo in /*) ;; *) credo=$PWD/$credo ;; esac
root=$PWD
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "audit_data: $*"; exit 1; }
command -v sqlite3 >/dev/null 2>&1 || fail "the sqlite3 tool is needed (.ci/run installs it)"

cd "$tmp" || exit 1
mkdir policies
cp -r "$root/policies/supply_chain_loan.credo" "$root/policies/data" policies/
apps=$root/examples/supply_chain_loan.jsonl
n=$(wc -l <"$apps")

# ---- logged with its data ------------------------------------------------------
"$credo" run --as-of 2026-12-01 --log log.db policies/supply_chain_loan.credo "$apps" >out.jsonl 2>err ||
    fail "run --log: $(cat err)"
[ "$(sqlite3 log.db 'PRAGMA user_version')" = 3 ] || fail "a new log is not schema 3"
[ "$(sqlite3 log.db 'SELECT count(*) FROM data')" = 1 ] || fail "not one data row"
csv_sha=$(sha256sum policies/data/industry_risk.csv | cut -c1-64)
# a SQLite table's SHA-256 is of its rows as read (lang/README.md): as explain shows it
db_sha=$(head -1 "$apps" | "$credo" explain --json --as-of 2026-12-01 policies/supply_chain_loan.credo - |
    sed -n 's/.*"table":"blacklist","key":"uscc","rows":[0-9]*,"sha256":"\([0-9a-f]*\)".*/\1/p')
[ -n "$db_sha" ] || fail "no blacklist SHA-256 in credo explain"
tables=$(sqlite3 log.db 'SELECT tables FROM data')
[ "$tables" = "[{\"lookup\":\"industry_risk\",\"from\":\"csv\",\"path\":\"data/industry_risk.csv\",\"key\":\"division\",\"sha256\":\"$csv_sha\"},{\"lookup\":\"blacklist\",\"from\":\"sqlite\",\"path\":\"data/reference.db\",\"table\":\"blacklist\",\"key\":\"uscc\",\"sha256\":\"$db_sha\"}]" ] ||
    fail "the data row's tables: $tables"
data_sha=$(printf '%s' "$tables" | sha256sum | cut -c1-64)
[ "$(sqlite3 log.db 'SELECT sha256 FROM data')" = "$data_sha" ] || fail "the data row's key is not the SHA-256 of its tables"
[ "$(sqlite3 log.db "SELECT count(*) FROM decisions d JOIN data x ON x.id = d.data WHERE x.sha256 = '$data_sha'")" = "$n" ] ||
    fail "not every decision names its data"
"$credo" audit log.db verify >v.out 2>&1 || fail "verify of an untouched log: $(cat v.out)"
grep -q "^$n decisions verified$" v.out || fail "verify: $(cat v.out)"
"$credo" audit log.db show SCF00002 >show.out 2>&1 || fail "show: $(cat show.out)"
grep -q "^  data      industry_risk from csv data/industry_risk.csv, sha256 $csv_sha$" show.out || fail "show: $(cat show.out)"
grep -q "^            blacklist from sqlite data/reference.db table blacklist, sha256 $db_sha$" show.out ||
    fail "show: $(cat show.out)"
grep -q '^replay: identical$' show.out || fail "show: $(cat show.out)"

# ---- an edited data row, a row pointing elsewhere ---------------------------------
cp log.db edited.db
sqlite3 edited.db "UPDATE data SET tables = replace(tables, '$csv_sha', '$(printf '%064d' 0)')" || fail "cannot edit"
"$credo" audit edited.db verify >v.out 2>&1 && fail "an edited data row verified"
grep -q "data $data_sha: altered: its tables do not hash to its sha256" v.out || fail "edited data: $(cat v.out)"
cp log.db moved.db
sqlite3 moved.db "DROP TRIGGER decisions_no_update; UPDATE decisions SET data = NULL WHERE seq = 3" ||
    fail "cannot edit"
"$credo" audit moved.db verify >v.out 2>&1 && fail "a row stripped of its data verified"
grep -q "seq 3 (app_id SCF00003): altered: its contents do not match its row_hash" v.out || fail "stripped: $(cat v.out)"

# ---- the data changes after the decisions ----------------------------------------
sed 's/^\(C34,[^,]*,[^,]*\),.*$/\1,0.05/' policies/data/industry_risk.csv >changed.csv
cmp -s changed.csv policies/data/industry_risk.csv && fail "the edit of industry_risk.csv changed nothing"
cp changed.csv policies/data/industry_risk.csv
new_sha=$(sha256sum policies/data/industry_risk.csv | cut -c1-64)
"$credo" audit log.db show SCF00002 >show.out 2>&1 && fail "show with changed data replayed identically"
grep -q "^            CHANGED since: the file read today has sha256 $new_sha$" show.out || fail "show: $(cat show.out)"
grep -q '^replay: with the reference tables as they are today, not as logged$' show.out || fail "show: $(cat show.out)"
grep -q '^replay: DIFFERENT' show.out || fail "show: $(cat show.out)"
"$credo" run --as-of 2026-12-01 --log log.db policies/supply_chain_loan.credo "$apps" >/dev/null 2>err ||
    fail "second run: $(cat err)"
grep -q "note: app_id SCF00001 (champion, as of 2026-12-01) decided again from a different application line, reference data or decision line: logged as seq $((n + 1)), superseding seq 1$" err ||
    fail "second run: $(cat err)"
grep -q ": $n decisions logged ($n superseding an earlier decision), 0 already logged (skipped)$" err ||
    fail "second run: $(cat err)"
# as of another day the same applications are new decisions, with the new data
"$credo" run --as-of 2026-12-02 --log log.db policies/supply_chain_loan.credo "$apps" >/dev/null 2>err ||
    fail "third run: $(cat err)"
[ "$(sqlite3 log.db 'SELECT count(*) FROM data')" = 2 ] || fail "not two data rows after the data changed"
[ "$(sqlite3 log.db "SELECT count(DISTINCT data) FROM decisions")" = 2 ] || fail "the decisions do not name two data sets"
"$credo" audit log.db verify >v.out 2>&1 || fail "verify after the data changed: $(cat v.out)"

# ---- logs of schema 1 and 2 --------------------------------------------------------
for v in 1 2; do
    sqlite3 old$v.db <"$root/tests/golden/audit/log_schema$v.sql" || fail "cannot build the schema $v log"
    "$credo" audit old$v.db verify >v.out 2>&1 || fail "verify of a schema $v log: $(cat v.out)"
    grep -q '^5 decisions verified$' v.out || fail "schema $v verify: $(cat v.out)"
    [ "$(sqlite3 old$v.db 'PRAGMA user_version')" = $v ] || fail "reading a schema $v log changed it"
    "$credo" run --as-of 2026-12-01 --log old$v.db policies/supply_chain_loan.credo "$apps" >/dev/null 2>err &&
        fail "appending to a schema $v log was not refused"
    grep -q "old$v.db: a decision log of schema $v: credo appends only to schema 3 logs" err ||
        fail "appending to a schema $v log: $(cat err)"
    [ "$(sqlite3 old$v.db 'SELECT count(*) FROM decisions')" = 5 ] || fail "the refused append changed the schema $v log"
done
"$credo" audit old1.db show APP00000003 >show.out 2>&1 || fail "show in a schema 1 log: $(cat show.out)"
grep -q '^replay: identical$' show.out || fail "schema 1 show: $(cat show.out)"
# (industry_risk.csv was changed above: the replay differs, the row holds)
"$credo" audit old2.db show SCF00002 >show.out 2>&1
grep -q '^  row_hash  matches the row' show.out || fail "schema 2 show: $(cat show.out)"
grep -q "^  data      industry_risk from csv data/industry_risk.csv" show.out || fail "schema 2 show: $(cat show.out)"
# an edit of a schema 2 row is still caught by its own rule
sqlite3 old2.db "DROP TRIGGER decisions_no_update; UPDATE decisions SET outcome = 'REJECT', results = replace(results, 'APPROVE', 'REJECT') WHERE seq = 4" ||
    fail "cannot edit the schema 2 log"
"$credo" audit old2.db verify >v.out 2>&1 && fail "an edited schema 2 log verified"
grep -q '^seq 4 (app_id SCF00004): altered' v.out || fail "edited schema 2 verify: $(cat v.out)"
echo "audit_data: $n decisions with their reference data verified; an edited data row and a stripped row caught; changed data shown, replayed and logged as superseding; logs of schema 1 and 2 verified and not appended to"
