#!/bin/sh
# The log holds exactly what was decided.  The supply-chain policy's 23
# examples are logged; then run again with one application line changed
# (SCF00003 with 10 more years in business); then again after its CSV
# lookup table (data/industry_risk.csv) changed.  Each changed decision is
# a new row naming the row it supersedes, none is dropped, and after every
# run the latest row of each application holds the very line credo run
# wrote.  An identical rerun adds nothing.
# Needs the sqlite3 tool (.ci/run installs it).
set -u
LC_ALL=C
export LC_ALL
credo=${CREDO:-build/credo}
case $credo in /*) ;; *) credo=$PWD/$credo ;; esac
root=$PWD
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "audit_supersede: $*"; exit 1; }
command -v sqlite3 >/dev/null 2>&1 || fail "the sqlite3 tool is needed (.ci/run installs it)"

cd "$tmp" || exit 1
mkdir policies
cp -r "$root/policies/supply_chain_loan.credo" "$root/policies/data" policies/
cp "$root/examples/supply_chain_loan.jsonl" apps.jsonl
n=$(wc -l <apps.jsonl)

# run K INPUT: logs INPUT as of 2026-12-01, stdout to outK, stderr to errK
run() {
    "$credo" run --as-of 2026-12-01 --log log.db policies/supply_chain_loan.credo "$2" >"out$1" 2>"err$1" ||
        fail "run $1 exited $?: $(cat "err$1")"
}
# printed_is_logged K: the latest row of every application is the line
# run K wrote for it, and there is one for each line
printed_is_logged() {
    sqlite3 log.db "SELECT results FROM decisions d
                    WHERE NOT EXISTS (SELECT 1 FROM decisions s WHERE s.supersedes = d.seq)" | sort >latest
    sort "out$1" | cmp -s - latest || fail "after run $1, the log's latest rows are not the lines written:
$(sort "out$1" | diff - latest | head -10)"
}
summary() { grep -q "log.db: $2 decisions logged ($3 superseding an earlier decision), $4 already logged (skipped)$" "err$1" ||
    fail "run $1's summary: $(cat "err$1")"; }

run 1 apps.jsonl
summary 1 "$n" 0 0
printed_is_logged 1

# ---- one application line changed ---------------------------------------------------
sed 's/^\({"app_id":"SCF00003",.*"years_in_business":\)15,/\125,/' apps.jsonl >apps2.jsonl
[ "$(diff apps.jsonl apps2.jsonl | grep -c '^>')" = 1 ] || fail "the edit of SCF00003's line did not change one line"
run 2 apps2.jsonl
summary 2 1 1 $((n - 1))
grep -q "note: app_id SCF00003 (champion, as of 2026-12-01) decided again from a different application line, reference data or decision line: logged as seq $((n + 1)), superseding seq 3$" err2 ||
    fail "run 2's note: $(cat err2)"
printed_is_logged 2
[ "$(sqlite3 log.db "SELECT seq, supersedes FROM decisions WHERE app_id = 'SCF00003' ORDER BY seq" | tr '\n' ' ')" = \
  "3| $((n + 1))|3 " ] || fail "SCF00003's rows: $(sqlite3 log.db "SELECT seq, supersedes FROM decisions WHERE app_id = 'SCF00003'")"
# both applications are logged, each with the line it was decided from
[ "$(sqlite3 log.db "SELECT application FROM decisions WHERE seq = 3")" = "$(sed -n 3p apps.jsonl)" ] ||
    fail "seq 3 is not the first line"
[ "$(sqlite3 log.db "SELECT application FROM decisions WHERE seq = $((n + 1))")" = "$(sed -n 3p apps2.jsonl)" ] ||
    fail "seq $((n + 1)) is not the changed line"

# ---- the reference data changed ------------------------------------------------------
sed 's/,0\.40$/,0.39/' policies/data/industry_risk.csv >changed.csv
cmp -s changed.csv policies/data/industry_risk.csv && fail "the edit of industry_risk.csv changed nothing"
cp changed.csv policies/data/industry_risk.csv
run 3 apps2.jsonl
summary 3 "$n" "$n" 0
printed_is_logged 3
[ "$(sqlite3 log.db "SELECT count(DISTINCT data) FROM decisions")" = 2 ] || fail "not two data sets"
# every row of run 3 names the row of run 2's state it replaces, which read the old data
bad=$(sqlite3 log.db "SELECT count(*) FROM decisions d JOIN decisions o ON o.seq = d.supersedes
                      WHERE d.seq > $((n + 1)) AND (o.app_id IS NOT d.app_id OR o.data = d.data)")
[ "$bad" = 0 ] || fail "$bad superseding rows name the wrong row"
# (the earlier decisions read the old table: their replays today may differ)
out=$("$credo" audit log.db show SCF00003)
[ "$(echo "$out" | grep -c '^seq ')" = 3 ] || fail "show SCF00003 lists not three decisions: $out"
echo "$out" | grep -q "^  supersedes seq $((n + 1)) " || fail "show SCF00003: $out"
echo "$out" | grep -q "^  superseded by seq $((n + 1))$" || fail "show SCF00003: $out"
[ "$(echo "$out" | tail -1)" = "replay: identical" ] || fail "show SCF00003: the latest does not replay: $out"

# ---- an identical rerun adds nothing -----------------------------------------------
run 4 apps2.jsonl
summary 4 0 0 "$n"
cmp -s out3 out4 || fail "the rerun wrote other lines"
printed_is_logged 4
out=$("$credo" audit log.db verify) || fail "verify: $out"
echo "$out" | grep -q "^$((2 * n + 1)) decisions verified" || fail "verify: $out"
echo "audit_supersede: a changed line and changed reference data logged as $((n + 1)) superseding rows; every line written is what the log holds"
