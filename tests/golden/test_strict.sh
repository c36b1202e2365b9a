#!/bin/sh
# credo test is strict: an empty test file is an error at file:1:1, a case
# line with a key credo does not know is a failure naming the line and the
# key (it would check nothing), an expected value may be arithmetic
# (`expect limit == 500000 * 0.30`), and a wrong one still fails.
# Runs from the project root with the credo binary in $CREDO; exit 0 = pass.
set -u
credo=${CREDO:-build/credo}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "test_strict.sh: $*"; exit 1; }
policy=$PWD/policies/sme_tax_loan.credo

printf '# no tests yet\npolicy "%s"\n' "$policy" >"$tmp/empty.test.credo"
out=$("$credo" test "$tmp/empty.test.credo"); rc=$?
[ $rc -eq 1 ] || fail "an empty test file must fail, exit $rc"
echo "$out" | grep -q "empty.test.credo:1:1: error: the test file has no tests" || { echo "$out"; fail "empty file message"; }
echo "$out" | tail -1 | grep -qx '0 passed, 1 failed' || { echo "$out"; fail "empty file summary"; }

good=$(head -1 tests/golden/reference_cases.jsonl)
{ echo "$good"
  echo "$good" | sed 's/"expect":{/"expect":{"pointz":1,"decison":"REJECT",/'
  echo "$good" | sed 's/"application":/"aplication":{},"application":/'; } >"$tmp/cases.jsonl"
out=$("$credo" test "$policy" --cases "$tmp/cases.jsonl"); rc=$?
[ $rc -eq 1 ] || fail "unknown case keys must fail, exit $rc"
echo "$out" | grep -q "cases.jsonl:2: reference APP00000001: unknown key \"pointz\"" || { echo "$out"; fail "unknown expect key not named"; }
echo "$out" | grep -q "cases.jsonl:3: reference APP00000001: unknown key \"aplication\"" || { echo "$out"; fail "unknown case key not named"; }
echo "$out" | tail -1 | grep -qx '1 passed, 2 failed' || { echo "$out"; fail "cases summary"; }

sed -n '1,/^}/p' policies/sme_tax_loan.test.credo | sed "s#^as_of#policy \"$policy\"\\nas_of#" >"$tmp/arith.test.credo"
cat >>"$tmp/arith.test.credo" <<'T'
test "arithmetic on the right" {
  given prime with { annual_revenue: 500000.00 }
  expect limit == 500000 * 0.30
  expect score == 600 + (55 + 10 + 25 + 20 + 15 + 10 + 15)
  expect rate == 3.10 + 0.80 - 0.20 + 0.50
}
test "a wrong sum fails" {
  given prime
  expect score == 700 + 1
}
T
out=$("$credo" test "$tmp/arith.test.credo"); rc=$?
[ $rc -eq 1 ] || { echo "$out"; fail "a wrong sum must fail, exit $rc"; }
echo "$out" | grep -q 'FAIL .*arith.test.credo:[0-9]*: a wrong sum fails' || { echo "$out"; fail "wrong sum not named"; }
echo "$out" | grep -q 'expected score == 701' || { echo "$out"; fail "the computed value is not shown"; }
echo "$out" | tail -1 | grep -qx '1 passed, 1 failed' || { echo "$out"; fail "arith summary"; }
printf 'test "x" {\n  given prime\n  expect score == 1 + "a"\n}\n' >>"$tmp/arith.test.credo"
out=$("$credo" test "$tmp/arith.test.credo")
echo "$out" | grep -q 'arith.test.credo:[0-9]*:[0-9]*: error: cannot compute this expected value: arithmetic needs numbers on both sides' || { echo "$out"; fail "text arithmetic not refused"; }
echo "test_strict.sh: an empty test file, unknown case keys and bad expected values are errors naming their place; arithmetic expectations pass and fail as they should"
