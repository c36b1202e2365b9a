#!/bin/sh
# credo match: one applicant against the products in tests/golden/match/:
# the approving ones best first (lowest rate), then the rejecting one with
# its reason, then the product the application does not fit.
set -u
credo=${CREDO:-build/credo}
dir=tests/golden/match
out=$("$credo" match --as-of 2026-12-01 "$dir" "$dir/applicant.json"); rc=$?
[ "$rc" -eq 0 ] || { echo "FAIL: exit $rc"; exit 1; }
printf '%s\n' "$out" | diff -u "$dir/expected.txt" - || { echo "FAIL: output differs"; exit 1; }
json=$("$credo" match --json --as-of 2026-12-01 "$dir" "$dir/applicant.json")
printf '%s' "$json" | grep -q '"outcome":"APPROVE","decision":{"app_id":"APP00000001","decision":"APPROVE"' || { echo "FAIL: json"; exit 1; }
"$credo" match --as-of 2026-12-01 "$dir/farm_only.credo" "$dir/applicant.json" > /dev/null; rc=$?
[ "$rc" -eq 1 ] || { echo "FAIL: no product approving must exit 1, got $rc"; exit 1; }
exit 0
