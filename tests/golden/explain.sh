#!/bin/sh
# credo explain on one rejected and one approved reference applicant gives
# the account stored in tests/golden/explain/ (a copy of the reference
# policy keeps its hash fixed); --json is one JSON object; an ERROR
# application exits 1 with its error.
set -u
credo=${CREDO:-build/credo}
dir=tests/golden/explain
fail() { echo "FAIL: $*"; exit 1; }
for case in rejected:APP00000005 approved:APP00000001; do
    name=${case%%:*}; app=${case#*:}
    out=$("$credo" explain --as-of 2026-12-01 --app "$app" "$dir/sme_tax_loan.credo" tests/reference/applicants.jsonl) || fail "$name: exit $?"
    printf '%s\n' "$out" | diff -u "$dir/$name.txt" - || fail "$name differs"
done
json=$("$credo" explain --json --as-of 2026-12-01 --line 5 "$dir/sme_tax_loan.credo" tests/reference/applicants.jsonl) || fail "json exit"
case "$json" in
    '{"app_id":"APP00000005","decision":"REJECT","reasons":["SCORE_LOW"],'*) ;;
    *) fail "json start: $(printf '%s' "$json" | cut -c1-120)" ;;
esac
printf '%s' "$json" | grep -q '"code":"SCORE_LOW","kind":"reject","fired":true' || fail "json fired rule"
if command -v python3 >/dev/null 2>&1; then
    printf '%s' "$json" | python3 -m json.tool >/dev/null || fail "json does not parse"
fi
err=$(echo '{"app_id":"X"}' | "$credo" explain "$dir/sme_tax_loan.credo" - 2>&1); rc=$?
[ "$rc" -eq 1 ] || fail "an ERROR application must exit 1, got $rc"
printf '%s' "$err" | grep -q 'age: required field is missing' || fail "error text: $err"
exit 0
