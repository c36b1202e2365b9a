#!/bin/sh
# credo test: the policies' own tests pass with full coverage; a case file
# passes; breaking one threshold makes a test fail with its name, the
# expected and actual values and the trace.
set -u
credo=${CREDO:-build/credo}
fail() { echo "FAIL: $*"; exit 1; }

out=$("$credo" test --coverage --coverage-min 100 policies/) || { echo "$out"; fail "credo test policies/"; }
echo "$out" | tail -1 | grep -q ' passed, 0 failed$' || fail "no summary line"
echo "$out" | grep -q '100.0% covered' || fail "coverage not reported"

out=$("$credo" test policies/sme_tax_loan.credo --cases tests/golden/reference_cases.jsonl) || { echo "$out"; fail "case file"; }
echo "$out" | tail -1 | grep -q '^40 passed, 0 failed$' || fail "case file summary: $(echo "$out" | tail -1)"

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
sed 's/when dti > 0.6$/when dti > 0.7/' policies/sme_tax_loan.credo > "$tmp/sme_tax_loan.credo"
cp policies/sme_tax_loan.test.credo "$tmp/"
cmp -s policies/sme_tax_loan.credo "$tmp/sme_tax_loan.credo" && fail "the threshold was not changed"
out=$("$credo" test "$tmp/sme_tax_loan.test.credo"); rc=$?
[ "$rc" -eq 1 ] || fail "a broken threshold must exit 1, got $rc"
echo "$out" | grep -q 'FAIL .*sme_tax_loan.test.credo:[0-9]*: debt payments above 60% of income are rejected' || { echo "$out"; fail "case name"; }
echo "$out" | grep -q 'expected reasons == \["DTI"\]' || { echo "$out"; fail "expected value"; }
echo "$out" | grep -q 'actual:   \[\]' || { echo "$out"; fail "actual value"; }
echo "$out" | grep -q 'trace: {' || { echo "$out"; fail "trace"; }
echo "$out" | tail -1 | grep -q ' passed, [1-9][0-9]* failed$' || fail "summary"

# an expectation may name a const, whose uses read its constant without
# running its code
{ sed -n '1,/^}/p' policies/sme_tax_loan.test.credo
  printf 'test "a const is its value" {\n  given prime\n  expect LPR_1Y == 3.10\n}\n'; } > "$tmp/const.test.credo"
sed -i "s#^as_of#policy \"$PWD/policies/sme_tax_loan.credo\"\\nas_of#" "$tmp/const.test.credo"
out=$("$credo" test "$tmp/const.test.credo") || { echo "$out"; fail "expect on a const"; }
echo "$out" | tail -1 | grep -q '^1 passed, 0 failed$' || { echo "$out"; fail "expect on a const: summary"; }

# a test file with a mistake names its place
printf 'fixture a = { age: 1 }\ntest "x" { given a expect age === 1 }\n' > "$tmp/bad.test.credo"
printf 'policy "../../policies/sme_tax_loan.credo"\n' | cat - "$tmp/bad.test.credo" > "$tmp/bad2.test.credo"
out=$("$credo" test "$tmp/bad2.test.credo"); rc=$?
[ "$rc" -eq 1 ] || fail "a bad test file must exit 1"
echo "$out" | grep -q 'bad2.test.credo:3:' || { echo "$out"; fail "bad test file position"; }
# a name the policy does not have is an error at its place, before any
# test runs: a misspelt characteristic, and a misspelt result
sed -e '68s/score\.occupation_class/score.occupaton_class/' -e '80s/expect score\./expect scroe./' policies/consumer_loan.test.credo |
    sed "1s#^#policy \"$PWD/policies/consumer_loan.credo\"\\n#" >"$tmp/names.test.credo"
out=$("$credo" test "$tmp/names.test.credo"); rc=$?
[ "$rc" -eq 1 ] || { echo "$out"; fail "misspelt expectation names must exit 1, got $rc"; }
echo "$out" | grep -q "names.test.credo:69:16: error: scorecard score has no characteristic 'occupaton_class'" || { echo "$out"; fail "misspelt characteristic"; }
echo "$out" | grep -q "names.test.credo:81:10: error: the policy has no scorecard or table named 'scroe'" || { echo "$out"; fail "misspelt scorecard"; }
echo "$out" | grep -q '^               \^~~~~~~~~~~~~~~$' || { echo "$out"; fail "no caret under the characteristic"; }
echo "$out" | grep -q '^0 passed, 1 failed$' || { echo "$out"; fail "a test ran although names were wrong"; }
exit 0
