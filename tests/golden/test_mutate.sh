#!/bin/sh
# credo test --mutate (runtime/author/mutate.c):
#   1. a policy whose tests miss its boundaries: every surviving mutant is
#      named with file:line:col and the mutation, the score is 20.0%, and
#      --mutate-min 50 fails with exit 1 (without it, exit 0);
#   2. the SME policy's tests kill every mutant but the four the test file
#      declares equivalent, and the `age < 18` -> `age < 21` mistake fails
#      a test, by name;
#   3. over policies/ every policy passes its --mutate-min, within a time box.
# Runs from the project root with the credo binary in $CREDO; exit 0 = pass.
set -u
credo=${CREDO:-build/credo}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "test_mutate.sh: $*"; exit 1; }

# 1.
out=$("$credo" test --mutate tests/golden/mutate/small.test.credo) || fail "--mutate without a minimum failed: $out"
echo "$out" | grep -qx 'SURVIVED tests/golden/mutate/small.credo:9:25: threshold 18 -> 19 (boundary)' || { echo "$out"; fail "18 -> 19 not reported"; }
echo "$out" | grep -qx 'SURVIVED tests/golden/mutate/small.credo:10:26: comparison < -> <= (boundary)' || { echo "$out"; fail "< -> <= not reported"; }
echo "$out" | grep -qx 'SURVIVED tests/golden/mutate/small.credo:10:28: threshold 1000.00 -> 999.99 (boundary)' || { echo "$out"; fail "a decimal threshold is not moved by its scale"; }
echo "$out" | grep -qx 'SURVIVED tests/golden/mutate/small.credo:14:21: points -10 -> -9' || { echo "$out"; fail "points not changed"; }
echo "$out" | grep -qx 'SURVIVED tests/golden/mutate/small.credo:10:3: rule LOW removed' || { echo "$out"; fail "rule removal not reported"; }
echo "$out" | grep -q '^mutation score of tests/golden/mutate/small.credo: 20.0% (15 mutants: 3 killed, 12 survived, 9 of them boundary' || { echo "$out"; fail "score line"; }
"$credo" test --mutate-min 50 tests/golden/mutate/small.test.credo >"$tmp/min.out"; rc=$?
[ $rc -eq 1 ] || fail "--mutate-min 50 at 20% must exit 1, got $rc"
grep -q 'FAIL tests/golden/mutate/small.credo: mutation score 20.0% is below the minimum 50.0%' "$tmp/min.out" || { cat "$tmp/min.out"; fail "--mutate-min message"; }

# 2.
out=$("$credo" test --mutate policies/sme_tax_loan.test.credo) || { echo "$out"; fail "the SME policy's tests"; }
echo "$out" | grep -q 'SURVIVED' && { echo "$out"; fail "a mutant of the SME policy survives"; }
echo "$out" | grep -q '(194 mutants: 190 killed, 0 survived, 0 of them boundary; 4 equivalent' || { echo "$out"; fail "SME score line"; }
cp policies/sme_tax_loan.test.credo "$tmp/"
sed 's/when age < 18 or/when age < 21 or/' policies/sme_tax_loan.credo >"$tmp/sme_tax_loan.credo"
cmp -s policies/sme_tax_loan.credo "$tmp/sme_tax_loan.credo" && fail "the AGE rule was not changed"
out=$("$credo" test "$tmp/sme_tax_loan.test.credo"); rc=$?
[ $rc -eq 1 ] || fail "age < 21 must fail a test, exit $rc"
echo "$out" | grep -q 'FAIL .*sme_tax_loan.test.credo:[0-9]*: owner aged 18 passes' || { echo "$out"; fail "age < 21: the failing test is not named"; }

# 3. every policy's tests kill every mutant the test file does not show
#    to be equivalent (about a second of CPU; the box is for a loaded machine)
out=$(timeout 300 "$credo" test --mutate --mutate-min 100 policies/) || { echo "$out" | grep -v '^    ' | tail -20; fail "policies/ below --mutate-min 100"; }
echo "$out" | grep -q SURVIVED && { echo "$out" | grep -A1 SURVIVED; fail "a mutant of policies/ survives"; }
n=$(echo "$out" | grep -c '^mutation score of policies/.*: 100.0% (.*0 survived, 0 of them boundary')
[ "$n" -eq 6 ] || { echo "$out" | grep '^mutation score'; fail "expected 6 policies at 100%, got $n"; }
echo "test_mutate.sh: survivors named at file:line:col; --mutate-min fails below; the SME tests catch age < 21; every policy of policies/ kills every non-equivalent mutant (--mutate-min 100)"
