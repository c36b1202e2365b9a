#!/bin/sh
# credo diff over a population: the reference policy against a challenger
# with one tightened rule (DTI above 0.5 instead of 0.6) over the 5,000
# reference applicants.  The swap set must add up, a tightened reject rule
# may only move applications to REJECT, and the counts must agree with
# deciding the population twice with `credo run` and comparing the lines.
set -u
credo=${CREDO:-build/credo}
old=policies/sme_tax_loan.credo
input=tests/reference/applicants.jsonl
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*"; exit 1; }

new=$tmp/sme_tax_loan_dti50.credo
sed -e 's/when dti > 0\.6$/when dti > 0.5/' -e 's/version "2026\.11\.1"/version "2026.11.2"/' "$old" > "$new"
grep -q 'when dti > 0\.5$' "$new" || fail "could not tighten the DTI rule in a copy of $old"
grep -q 'version "2026\.11\.2"' "$new" || fail "could not bump the version in a copy of $old"

"$credo" diff --as-of 2026-12-01 "$old" "$new" "$input" --html "$tmp/report.html" > "$tmp/text"
rc=$?
[ "$rc" -eq 0 ] || { cat "$tmp/text"; fail "credo diff exited $rc"; }

# The matrix: rows OLD, columns NEW, between the "decisions" line and "total".
awk '/^decisions/ { on = 1; next }
     on && $1 == "total" { exit }
     on && ($1 == "APPROVE" || $1 == "REFER" || $1 == "REJECT" || $1 == "ERROR") {
         for (j = 2; j <= 5; j++) print $1, j - 1, $j
     }' "$tmp/text" > "$tmp/matrix"
[ "$(wc -l < "$tmp/matrix")" -eq 16 ] || { cat "$tmp/text"; fail "no 4x4 decision matrix in the text report"; }
cell() { # OLD NEW: the count in row OLD, column NEW (1 APPROVE, 2 REFER, 3 REJECT, 4 ERROR)
    awk -v r="$1" -v c="$2" '$1 == r && $2 == c { print $3 }' "$tmp/matrix"
}
total=$(awk '{ s += $3 } END { print s }' "$tmp/matrix")
moved=$(awk '($1 == "APPROVE" && $2 != 1) || ($1 == "REFER" && $2 != 2) || ($1 == "REJECT" && $2 != 3) || ($1 == "ERROR" && $2 != 4) { s += $3 } END { print s + 0 }' "$tmp/matrix")
[ "$total" -eq 5000 ] || fail "the matrix adds up to $total, not 5000"
[ "$(cell APPROVE 3)" -gt 0 ] || fail "no APPROVE -> REJECT move for a tightened reject rule"
for to in 1 2 4; do
    [ "$(cell REJECT $to)" -eq 0 ] || fail "REJECT moved to column $to under a tightened reject rule"
done
[ "$(cell APPROVE 2)" -eq 0 ] || fail "APPROVE -> REFER under a tightened reject rule"

# Independently: decide with each policy and compare line by line.
"$credo" run --as-of 2026-12-01 "$old" "$input" > "$tmp/old.jsonl" || fail "credo run (old) failed"
"$credo" run --as-of 2026-12-01 "$new" "$input" > "$tmp/new.jsonl" || fail "credo run (new) failed"
paste -d '\n' "$tmp/old.jsonl" "$tmp/new.jsonl" | awk '
    function outcome(s) { sub(/.*"decision":"/, "", s); sub(/".*/, "", s); return s }
    NR % 2 == 1 { a = $0; next }
    { if (a != $0) changed++
      if (outcome(a) != outcome($0)) moved++
      if (outcome(a) == "APPROVE" && outcome($0) == "REJECT") a2r++ }
    END { print changed + 0, moved + 0, a2r + 0 }' > "$tmp/expected"
read -r exp_changed exp_moved exp_a2r < "$tmp/expected"
[ "$moved" -eq "$exp_moved" ] || fail "matrix says $moved moved, credo run twice says $exp_moved"
[ "$(cell APPROVE 3)" -eq "$exp_a2r" ] || fail "matrix says $(cell APPROVE 3) APPROVE -> REJECT, credo run twice says $exp_a2r"
grep -q "^  changed  $exp_changed applications: outcome moved $exp_moved," "$tmp/text" ||
    { grep '^  changed' "$tmp/text"; fail "expected $exp_changed changed applications, $exp_moved moved"; }
# every application that gained DTI is a changed one (reasons or outcome)
grep -Eq "^  DTI +$exp_changed +0$" "$tmp/text" || { sed -n '/^reasons/,/^$/p' "$tmp/text"; fail "DTI should be gained by $exp_changed"; }
echo "diff: $total applications, $moved moved ($(cell APPROVE 3) APPROVE -> REJECT), $exp_changed changed, as credo run twice says"

# --json: one valid document with the same matrix.
"$credo" diff --as-of 2026-12-01 --json "$old" "$new" "$input" > "$tmp/report.json" || fail "credo diff --json failed"
grep -q '"matrix":\[\[' "$tmp/report.json" || fail "no matrix in --json"
grep -q "\"applications\":5000,\"changed\":$exp_changed,\"outcome_moved\":$exp_moved," "$tmp/report.json" ||
    fail "--json does not count $exp_changed changed, $exp_moved moved"
[ "$(grep -c '"app_id":' "$tmp/report.json")" -eq "$exp_changed" ] || fail "--json does not list all $exp_changed changed applications"
if command -v python3 > /dev/null 2>&1; then
    python3 -m json.tool "$tmp/report.json" > /dev/null || fail "--json is not valid JSON"
    python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
assert sum(map(sum, d["matrix"])) == 5000, "matrix sum"
assert d["matrix"][2][0] == 0 and d["matrix"][2][1] == 0, "REJECT moved"
assert len(d["applications_changed"]) == d["changed"], "changed list"
' "$tmp/report.json" || fail "--json contents"
else
    echo "skip: python3 not installed, --json not validated"
fi

# --html: a self-contained page with the charts.
html=$tmp/report.html
[ -s "$html" ] || fail "no HTML report"
[ "$(grep -c '<svg class="chart' "$html")" -ge 3 ] || fail "fewer than three SVG charts in the HTML"
for id in hist-score hist-limit reasons-chart; do
    grep -q "id=\"$id\"" "$html" || fail "no $id chart in the HTML"
done
grep -q '<rect class="bar"' "$html" || fail "no bars in the HTML charts"
grep -q 'APP[0-9]' "$html" || fail "no changed applications in the HTML"
if grep -Eiq '<script|<link|<img|src=|url\(|@import|https?://' "$html"; then
    fail "the HTML fetches something: it must be self-contained"
fi
echo "json and html reports ok"
