#!/bin/sh
# credo fmt, end to end (lang/fmt.c, runtime/cli/cli_fmt.c):
#   1. every policy in policies/ is formatted (credo fmt --check);
#   2. a misformatted copy of the showcase fails --check; credo fmt rewrites
#      it back to exactly the showcase, --check then passes, a second run
#      changes nothing, `credo fmt -` gives the same text, and the copy
#      decides the 5,000 reference applicants exactly as the original;
#   3. a file that does not parse is an error and is left as it was.
# Runs from the project root with the credo binary in $CREDO; exit 0 = pass.
set -u
credo=${CREDO:-build/credo}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "fmt.sh: $*"; exit 1; }

# 1. NAME.test.credo files are policy tests (credo test), not policies.
policies=""
for f in policies/*.credo; do
    case $f in *.test.credo) continue ;; esac
    policies="$policies $f"
done
# shellcheck disable=SC2086
if ! "$credo" fmt --check $policies >"$tmp/check.out" 2>&1; then
    cat "$tmp/check.out"
    fail "these policies are not formatted: run credo fmt on them"
fi

# 2. Misformat the showcase, touching white space only: every line moved
#    right by 3 columns, runs of spaces (the alignment) collapsed, no space
#    around '->', '|', '==' or after ',', blank lines doubled.  Comments
#    (the only '#' in this policy) are left as they are.
orig=policies/sme_tax_loan.credo
messy=$tmp/messy.credo
awk '
/^[ \t]*$/ { print ""; print ""; next }
{
    c = index($0, "#")
    code = c ? substr($0, 1, c - 1) : $0
    com = c ? substr($0, c) : ""
    match(code, /^[ \t]*/)
    ind = substr(code, 1, RLENGTH)
    code = substr(code, RLENGTH + 1)
    gsub(/  +/, " ", code)
    gsub(/ -> /, "->", code)
    gsub(/ \| /, "|", code)
    gsub(/ == /, "==", code)
    gsub(/, /, ",", code)
    sub(/ +$/, "", code)
    line = "   " ind code
    if (com != "")
        line = (code == "" ? line : line " ") com
    print line
}' "$orig" >"$messy"
cmp -s "$orig" "$messy" && fail "the misformatted copy is identical to the original"
"$credo" check "$messy" >/dev/null 2>&1 || fail "the misformatted copy does not compile"

out=$("$credo" fmt --check "$messy" 2>&1)
[ $? -eq 1 ] || fail "fmt --check passed a misformatted policy"
[ "$out" = "$messy" ] || fail "fmt --check listed '$out', not the misformatted file"

"$credo" fmt - <"$messy" >"$tmp/stdin.credo" || fail "fmt - failed"
out=$("$credo" fmt "$messy" 2>&1) || fail "fmt failed: $out"
[ "$out" = "$messy" ] || fail "fmt printed '$out', not the name of the file it rewrote"
out=$("$credo" fmt --check "$messy" 2>&1) || fail "fmt --check fails after fmt: $out"
[ -z "$out" ] || fail "fmt --check printed '$out' for a formatted file"
out=$("$credo" fmt "$messy" 2>&1) || fail "a second fmt failed: $out"
[ -z "$out" ] || fail "a second fmt printed '$out'"
cmp -s "$messy" "$tmp/stdin.credo" || fail "fmt - and fmt FILE give different text"
if ! cmp -s "$orig" "$messy"; then
    diff -u "$orig" "$messy" | head -30
    fail "the misformatted copy did not come back to the showcase"
fi

"$credo" run --as-of 2026-12-01 "$orig" tests/reference/applicants.jsonl >"$tmp/orig.out" 2>&1
"$credo" run --as-of 2026-12-01 "$messy" tests/reference/applicants.jsonl >"$tmp/fmt.out" 2>&1
[ "$(wc -l <"$tmp/orig.out")" -ge 5000 ] || fail "the reference run gave too few lines"
if ! cmp -s "$tmp/orig.out" "$tmp/fmt.out"; then
    diff "$tmp/orig.out" "$tmp/fmt.out" | head -10
    fail "the formatted copy decides the reference applicants differently"
fi

# 3. A syntax error: reported, exit 1, the file untouched.
bad=$tmp/bad.credo
printf 'policy bad\nadmission {\n    reject   when x\n}\n' >"$bad"
cp "$bad" "$tmp/bad.orig"
"$credo" fmt "$bad" >/dev/null 2>"$tmp/bad.err"
[ $? -eq 1 ] || fail "fmt of a file that does not parse did not exit 1"
grep -q "bad.credo:3:" "$tmp/bad.err" || fail "no diagnostic for the syntax error: $(cat "$tmp/bad.err")"
cmp -s "$bad" "$tmp/bad.orig" || fail "fmt rewrote a file that does not parse"
"$credo" fmt --check "$bad" >/dev/null 2>&1
[ $? -eq 1 ] || fail "fmt --check of a file that does not parse did not exit 1"
ls -A "$tmp" | grep -q "\.fmt-" && fail "a temporary file was left behind"

echo "fmt: policies formatted; misformatted showcase restored and decides the reference applicants identically"
exit 0
