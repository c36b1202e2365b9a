#!/bin/sh
# credo run -j 2 over 100,000 applicants writes exactly what -j 1 writes.
set -u
credo=${CREDO:-build/credo}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
for i in 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20; do
    sed "s/\"app_id\":\"APP/\"app_id\":\"R$i-APP/" tests/reference/applicants.jsonl
done > "$tmp/in.jsonl"
# a few bad lines among them, so ERROR lines take part too
sed -i '777s/"age":[0-9]*/"age":"old"/; 50001s/.*/not json/' "$tmp/in.jsonl"
"$credo" run -j 1 --as-of 2026-12-01 policies/sme_tax_loan.credo "$tmp/in.jsonl" > "$tmp/j1"; rc1=$?
"$credo" run -j 2 --as-of 2026-12-01 policies/sme_tax_loan.credo "$tmp/in.jsonl" > "$tmp/j2"; rc2=$?
[ "$rc1" -eq 3 ] && [ "$rc2" -eq 3 ] || { echo "FAIL: exit statuses $rc1 and $rc2, expected 3 (ERROR lines)"; exit 1; }
[ "$(wc -l < "$tmp/j1")" -eq 100000 ] || { echo "FAIL: $(wc -l < "$tmp/j1") lines"; exit 1; }
cmp "$tmp/j1" "$tmp/j2" || { echo "FAIL: -j 2 differs from -j 1"; exit 1; }
sed -n '777p' "$tmp/j2" | grep -q '"line":777,"decision":"ERROR","error":"age: expected int, got text"' || { echo "FAIL: line 777"; exit 1; }
echo "run -j 2: 100000 lines identical to -j 1"
