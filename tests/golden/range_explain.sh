#!/bin/sh
# `x in a..b` in credo explain: each end's comparison named by x, in the
# trace and in words, as `x >= a` and `x <= b` would be.
# Runs from the project root with the credo binary in $CREDO; exit 0 = pass.
set -u
credo=${CREDO:-build/credo}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "range_explain.sh: $*"; exit 1; }
printf 'policy r\ninput a {\n  app_id: text\n  age: int\n}\nadmission {\n  reject AGE "outside 18 to 65" when age not in 18..65\n}\n' >"$tmp/r.credo"
echo '{"app_id":"q","age":70}' >"$tmp/a.json"
out=$("$credo" explain --as-of 2026-12-01 "$tmp/r.credo" "$tmp/a.json") || { echo "$out"; fail "explain"; }
echo "$out" | grep -qxF '        age: 70 >= 18 -> true' || { echo "$out"; fail "trace of the low end"; }
echo "$out" | grep -qxF '        age: 70 <= 65 -> false' || { echo "$out"; fail "trace of the high end"; }
out=$("$credo" explain --format text --as-of 2026-12-01 "$tmp/r.credo" "$tmp/a.json") || { echo "$out"; fail "explain --format text"; }
echo "$out" | grep -qxF '      age 70 is above 65' || { echo "$out"; fail "words of the high end"; }
echo "range_explain.sh: both ends of a range are explained by the value they test"
