#!/bin/sh
# The examples of lang/README.md's "Tests" section are the files of
# tests/golden/doc_tests/, word for word, and do what the text says: the
# test file passes with full coverage, the case file passes, a misspelt
# case key fails naming it, and --mutate reports the survivors and the
# score quoted.
# Runs from the project root with the credo binary in $CREDO; exit 0 = pass.
set -u
credo=${CREDO:-build/credo}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "doc_tests.sh: $*"; exit 1; }
d=tests/golden/doc_tests

for f in loan.credo loan.test.credo loan.cases.jsonl offer.test.credo; do
    python3 - "$d/$f" <<'PY' || fail "lang/README.md does not show $f as it is"
import sys
text = open(sys.argv[1]).read()
sys.exit(0 if "```\n" + text + "```\n" in open("lang/README.md").read() else 1)
PY
done

out=$("$credo" test --coverage --coverage-min 100 "$d/loan.test.credo") || { echo "$out"; fail "the example test file"; }
echo "$out" | tail -1 | grep -qx '9 passed, 0 failed' || { echo "$out"; fail "test file summary"; }
out=$("$credo" test "$d/loan.credo" --cases "$d/loan.cases.jsonl") || { echo "$out"; fail "the example case file"; }
echo "$out" | tail -1 | grep -qx '3 passed, 0 failed' || { echo "$out"; fail "case file summary"; }
sed '2s/"decision"/"decison"/' "$d/loan.cases.jsonl" >"$tmp/loan.cases.jsonl"
out=$("$credo" test "$d/loan.credo" --cases "$tmp/loan.cases.jsonl") && fail "a misspelt key passed"
echo "$out" | grep -q 'loan.cases.jsonl:2: a minor: unknown key "decison"' || { echo "$out"; fail "misspelt key message"; }

out=$("$credo" test --mutate "$d/loan.test.credo") || { echo "$out"; fail "--mutate"; }
for line in 'SURVIVED tests/golden/doc_tests/loan.credo:21:30: comparison < -> <= (boundary)' \
            '    refer NEW when months_open < 6' \
            'SURVIVED tests/golden/doc_tests/loan.credo:21:32: threshold 6 -> 7 (boundary)' \
            'mutation score of tests/golden/doc_tests/loan.credo: 61.5% (26 mutants: 16 killed, 10 survived, 8 of them boundary; 0 equivalent, 0 did not compile)'; do
    echo "$out" | grep -qxF "$line" || { echo "$out"; fail "--mutate did not say: $line"; }
    grep -qxF "$line" lang/README.md || fail "lang/README.md does not quote: $line"
done
# credo(5)'s example, taken out of the man page, passes against loan.credo.
sed -n '/^\.SH TESTS/,/^\.SH SEE ALSO/p' lang/credo.5 | awk '/^\.nf/ { n++ } n == 1' | sed -n '/^\.nf/,/^\.fi/p' | sed '1d;$d' | sed 's/\\-/-/g' >"$tmp/man.test.credo"
grep -q '^test ' "$tmp/man.test.credo" || fail "no example in credo(5) TESTS"
printf 'policy "%s/%s/loan.credo"\n' "$PWD" "$d" | cat - "$tmp/man.test.credo" >"$tmp/man2.test.credo"
out=$("$credo" test "$tmp/man2.test.credo") || { echo "$out"; fail "credo(5)'s example"; }
echo "$out" | tail -1 | grep -qx '2 passed, 0 failed' || { echo "$out"; fail "credo(5)'s example summary"; }
# a table's named outputs are expected one by one; a misspelt one is an
# error at its place, as lang/README.md quotes it
out=$("$credo" test --coverage --coverage-min 100 "$d/offer.test.credo") || { echo "$out"; fail "the table outputs' test file"; }
echo "$out" | tail -1 | grep -qx '4 passed, 0 failed' || { echo "$out"; fail "table outputs' summary"; }
cp "$d/offer.credo" "$tmp/"
sed 's/offer\.limit == 50000/offer.limt == 50000/' "$d/offer.test.credo" >"$tmp/offer.test.credo"
out=$(cd "$tmp" && "$OLDPWD/$credo" test offer.test.credo) && fail "a misspelt table output passed"
printf '%s\n' "$out" | sed '$d' >"$tmp/offer.got"
python3 - "$tmp/offer.got" <<'PY' || { cat "$tmp/offer.got"; fail "lang/README.md does not quote the misspelt output's error"; }
import sys
text = open(sys.argv[1]).read()
sys.exit(0 if "```\n" + text + "```\n" in open("lang/README.md").read() else 1)
PY
# credo(5)'s example of a table output passes against offer.credo
sed -n '/^\.SH TESTS/,/^\.SH SEE ALSO/p' lang/credo.5 | sed -n '/^\.\\" test example: offer/,/^\.fi/p' | sed '1,3d;$d' | sed 's/\\-/-/g' >"$tmp/man_offer.test.credo"
grep -q 'offer\.limit' "$tmp/man_offer.test.credo" || fail "no table output example in credo(5) TESTS"
printf 'policy "%s/%s/offer.credo"\n' "$PWD" "$d" | cat - "$tmp/man_offer.test.credo" >"$tmp/man_offer2.test.credo"
out=$("$credo" test "$tmp/man_offer2.test.credo") || { echo "$out"; fail "credo(5)'s table output example"; }
echo "doc_tests.sh: credo(5)'s example passes; lang/README.md's test file, case file and mutation report are the tested files and output"
