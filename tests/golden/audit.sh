#!/bin/sh
# The decision log end to end (runtime/audit/decision_log.h, credo audit).
#   1. The reference policy's 5,000 decisions with --log: stdout unchanged,
#      every row logged, verify passes; a second run adds nothing.
#   2. show APP00000005: the fired rule's source line and "replay: identical".
#   3. With the sqlite3 tool: one byte of one row's results edited, then a
#      row deleted; verify must fail and name the row; show must see the
#      edited decision differ from its replay.
#   4. ERROR lines are logged and replay identically; lines without an
#      app_id are logged too (app_id NULL): the log holds every line written.
#   5. --challenger --share 10% and --shadow.
# Needs the sqlite3 command-line tool (.ci/run installs it).
set -u
credo=${CREDO:-build/credo}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*"; exit 1; }
command -v sqlite3 >/dev/null 2>&1 || fail "the sqlite3 tool is needed (.ci/run installs it)"

policy=policies/sme_tax_loan.credo
apps=tests/reference/applicants.jsonl
db=$tmp/d.db

# ---- 1. logging the reference run
"$credo" run --as-of 2026-12-01 --log "$db" $policy $apps >"$tmp/out" 2>"$tmp/err" || fail "run --log exited $?"
"$credo" run --as-of 2026-12-01 $policy $apps >"$tmp/plain" || fail "plain run exited $?"
cmp -s "$tmp/out" "$tmp/plain" || fail "--log changed what goes to stdout"
grep -q ': 5000 decisions logged (0 superseding an earlier decision), 0 already logged (skipped)$' "$tmp/err" ||
    fail "summary: $(cat "$tmp/err")"
sqlite3 "$db" "SELECT results FROM decisions ORDER BY seq" | cmp -s - "$tmp/out" ||
    fail "the results column is not the lines written"
sqlite3 "$db" "SELECT application FROM decisions ORDER BY seq" | cmp -s - $apps ||
    fail "the application column is not the lines read"
# copies to tamper with, taken while the log is closed and checkpointed
cp "$db" "$tmp/edited.db"
cp "$db" "$tmp/deleted.db"

out=$("$credo" audit "$db" verify) || fail "verify of an intact log exited $?: $out"
[ "$(echo "$out" | head -1)" = "5000 decisions verified" ] || fail "verify said: $out"
echo "$out" | grep -q '^head: log [0-9a-f]\{32\}, seq 5000, row_hash [0-9a-f]\{64\}$' || fail "verify's head: $out"
echo "$out" | grep -q '^note: a log without a key: anyone can recompute its chain' || fail "verify's note: $out"
[ "$(sqlite3 "$db" 'PRAGMA user_version')" = 3 ] || fail "a new log is not schema 3"

"$credo" run --as-of 2026-12-01 --log "$db" $policy $apps >"$tmp/out2" 2>"$tmp/err" || fail "second run exited $?"
cmp -s "$tmp/out2" "$tmp/plain" || fail "the second run's stdout differs"
grep -q ': 0 decisions logged (0 superseding an earlier decision), 5000 already logged (skipped)$' "$tmp/err" ||
    fail "second summary: $(cat "$tmp/err")"
[ "$(sqlite3 "$db" "SELECT count(*) FROM decisions")" = 5000 ] || fail "the second run added rows"

# ---- 2. show
out=$("$credo" audit "$db" show APP00000005) || fail "show exited $?: $out"
echo "$out" | grep -q 'sme_tax_loan 2026.11.1, effective 2026-12-01, owner retail-risk' || fail "show, identity: $out"
line=$(grep -n 'reject SCORE_LOW' $policy | cut -d: -f1)
echo "$out" | grep -q "sme_tax_loan.credo:$line: *reject SCORE_LOW .*when credit_score < 550\$" ||
    fail "show, fired rule's source line (line $line): $out"
echo "$out" | grep -qx 'replay: identical' || fail "show, replay: $out"
"$credo" audit "$db" show NO_SUCH_APP >/dev/null 2>&1 && fail "show of an unknown app_id succeeded"

# ---- 3. tampering: one byte of seq 2501's results, then a deleted row
sqlite3 "$tmp/edited.db" "DROP TRIGGER decisions_no_update;
    UPDATE decisions SET results = substr(results, 1, 39) || char(unicode(substr(results, 40, 1)) + 1) || substr(results, 41)
    WHERE seq = 2501;" || fail "sqlite3 could not edit"
out=$("$credo" audit "$tmp/edited.db" verify 2>&1) && fail "verify passed an edited row: $out"
echo "$out" | grep -q '^seq 2501 (app_id APP00002501): altered' || fail "verify after an edit said: $out"
echo "$out" | grep -q 'note: the append-only triggers have been dropped$' || fail "no note of the dropped trigger: $out"
out=$("$credo" audit "$tmp/edited.db" show APP00002501) && fail "show passed an edited row: $out"
echo "$out" | grep -q '^replay: DIFFERENT' || fail "show of the edited row: $out"

sqlite3 "$tmp/deleted.db" "DROP TRIGGER decisions_no_delete; DELETE FROM decisions WHERE seq = 777;" ||
    fail "sqlite3 could not delete"
out=$("$credo" audit "$tmp/deleted.db" verify 2>&1) && fail "verify passed a deleted row: $out"
echo "$out" | grep -q '^seq 777 missing: the next row is seq 778 (app_id APP00000778)' ||
    fail "verify after a delete said: $out"

# ---- 4. ERROR lines
bad=tests/golden/run_bad_inputs
"$credo" run --as-of 2026-12-01 --log "$tmp/bad.db" $bad.credo $bad.jsonl >"$tmp/out" 2>"$tmp/err"
[ $? -eq 3 ] || fail "run of bad inputs with --log: exit status"
grep -q ': 12 decisions logged (0 superseding an earlier decision), 0 already logged (skipped)$' "$tmp/err" ||
    fail "bad inputs summary: $(cat "$tmp/err")"
sqlite3 "$tmp/bad.db" "SELECT results FROM decisions ORDER BY seq" | cmp -s - "$tmp/out" ||
    fail "the bad inputs' log does not hold every line written"
[ "$(sqlite3 "$tmp/bad.db" "SELECT count(*) FROM decisions WHERE app_id IS NULL AND outcome = 'ERROR'")" = 2 ] ||
    fail "the two lines without an app_id are not logged as ERROR rows"
for app in A7 A8 A10; do
    out=$("$credo" audit "$tmp/bad.db" show $app) || fail "show $app exited $?: $out"
    echo "$out" | grep -qx 'replay: identical' || fail "show $app: $out"
done
out=$("$credo" audit "$tmp/bad.db" verify) || fail "verify of the bad inputs' log: $out"

# ---- 5. a challenger on 10% of the applications, and a shadow
sed -e 's/version "2026.11.1"/version "2026.12.1"/' -e 's/credit_score < 550/credit_score < 560/' $policy >"$tmp/new.credo"
"$credo" run --as-of 2026-12-01 --log "$tmp/c.db" --challenger "$tmp/new.credo" --share 10% $policy $apps \
    >"$tmp/out" 2>"$tmp/err" || fail "challenger run exited $?: $(cat "$tmp/err")"
[ "$(grep -c '"policy":"sme_tax_loan","version":"2026.11.1"}$' "$tmp/out")" -gt 0 ] || fail "no champion tag"
n=$(grep -c '"policy":"sme_tax_loan","version":"2026.12.1"}$' "$tmp/out")
[ "$n" -gt 400 ] && [ "$n" -lt 600 ] || fail "the challenger decided $n of 5000, not about 10%"
[ "$(sqlite3 "$tmp/c.db" "SELECT count(*) FROM decisions WHERE decided_by = 'challenger'")" = "$n" ] ||
    fail "decided_by does not match the lines"
chal=$(sqlite3 "$tmp/c.db" "SELECT app_id FROM decisions WHERE decided_by = 'challenger' ORDER BY seq LIMIT 1")
out=$("$credo" audit "$tmp/c.db" show "$chal") || fail "show of a challenger decision: $out"
echo "$out" | grep -q 'decided by challenger' || fail "show $chal: $out"
echo "$out" | grep -qx 'replay: identical' || fail "show $chal: $out"
"$credo" run --as-of 2026-12-01 --log "$tmp/c.db" --challenger "$tmp/new.credo" --share 10% $policy $apps \
    >"$tmp/out2" 2>"$tmp/err" || fail "second challenger run exited $?"
cmp -s "$tmp/out" "$tmp/out2" || fail "the challenger's share is not stable"
grep -q ': 0 decisions logged (0 superseding an earlier decision), 5000 already logged' "$tmp/err" ||
    fail "second challenger run: $(cat "$tmp/err")"
out=$("$credo" audit "$tmp/c.db" stats) || fail "stats exited $?"
echo "$out" | grep -q "^sme_tax_loan 2026.12.1 (sha256 [0-9a-f]*), challenger, as of 2026-12-01: $n decisions$" ||
    fail "stats: $out"

"$credo" run --as-of 2026-12-01 --log "$tmp/s.db" --shadow "$tmp/new.credo" $policy $apps >"$tmp/out" 2>"$tmp/err" ||
    fail "shadow run exited $?: $(cat "$tmp/err")"
cmp -s "$tmp/out" "$tmp/plain" || fail "--shadow changed stdout"
[ "$(sqlite3 "$tmp/s.db" "SELECT decided_by, count(*) FROM decisions GROUP BY 1 ORDER BY 1" | tr '\n' ' ')" = \
  "champion|5000 shadow|5000 " ] || fail "shadow rows"
out=$("$credo" audit "$tmp/s.db" verify) || fail "verify of the shadow log: $out"
out=$("$credo" audit "$tmp/s.db" show APP00000005) || fail "show with a shadow: $out"
[ "$(echo "$out" | grep -cx 'replay: identical')" = 2 ] || fail "show with a shadow: $out"
echo "audit: ok"
