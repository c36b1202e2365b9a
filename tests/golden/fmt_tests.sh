#!/bin/sh
# credo fmt on test files (lang/fmt_test.c), known by their name
# NAME.test.credo:
#   1. every test file in policies/ is in the canonical layout (--check);
#   2. a copy of the SME tests with expect lines unindented, given lines
#      indented 4, spaces added and removed and blank lines doubled fails --check; credo fmt rewrites it back to
#      exactly the original, a second run changes nothing (fmt of fmt is
#      fmt), and the copy's tests pass;
#   3. a test file that does not lex is reported and left as it was.
# Runs from the project root with the credo binary in $CREDO; exit 0 = pass.
set -u
credo=${CREDO:-build/credo}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "fmt_tests.sh: $*"; exit 1; }

"$credo" fmt --check policies/*.test.credo tests/golden/doc_tests/*.test.credo >"$tmp/check.out" 2>&1 \
    || { cat "$tmp/check.out"; fail "these test files are not formatted: run credo fmt on them"; }

orig=policies/sme_tax_loan.test.credo
sed -e '/^  expect [^e]/{s/^ *//;s/ == /  ==  /;s/, /,/g}' -e '/^  given.*}$/{s/^ */    /;s/{ /{/g;s/: /:/g}' -e 's/^$/\n/' "$orig" | sed "s#^as_of#policy \"$PWD/policies/sme_tax_loan.credo\"\\nas_of#" >"$tmp/sme.test.credo"
sed "s#^as_of#policy \"$PWD/policies/sme_tax_loan.credo\"\\nas_of#" "$orig" >"$tmp/want.test.credo"
cmp -s "$tmp/sme.test.credo" "$tmp/want.test.credo" && fail "the copy was not misformatted"
"$credo" fmt --check "$tmp/sme.test.credo" >/dev/null 2>&1 && fail "--check passed a misformatted test file"
"$credo" fmt "$tmp/sme.test.credo" >"$tmp/fmt.out" 2>&1 || { cat "$tmp/fmt.out"; fail "credo fmt failed"; }
diff -u "$tmp/want.test.credo" "$tmp/sme.test.credo" >"$tmp/diff" || { head -30 "$tmp/diff"; fail "fmt did not restore the canonical layout"; }
cp "$tmp/sme.test.credo" "$tmp/again.test.credo"
"$credo" fmt "$tmp/again.test.credo" >"$tmp/again.out" 2>&1
[ -s "$tmp/again.out" ] && fail "a second fmt rewrote the file: $(cat "$tmp/again.out")"
cmp -s "$tmp/sme.test.credo" "$tmp/again.test.credo" || fail "fmt of fmt differs"
out=$("$credo" test "$tmp/sme.test.credo") || { echo "$out" | tail -5; fail "the formatted copy's tests fail"; }

printf 'as_of 2026-12-01\ntest "x" {\n    given { age: 1 } ~\n}\n' >"$tmp/bad.test.credo"
cp "$tmp/bad.test.credo" "$tmp/bad.orig"
"$credo" fmt "$tmp/bad.test.credo" >"$tmp/bad.out" 2>&1 && fail "a test file with an invalid character was formatted"
grep -q 'bad.test.credo:3:22: error' "$tmp/bad.out" || { cat "$tmp/bad.out"; fail "the error does not name file:line:col"; }
cmp -s "$tmp/bad.test.credo" "$tmp/bad.orig" || fail "a test file that does not lex was changed"
echo "fmt_tests.sh: policies/ test files are formatted; a misformatted copy is restored exactly, fmt of fmt is unchanged, its tests pass; a bad file is reported and left alone"
