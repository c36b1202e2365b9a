#!/bin/sh
# README.md's wrapper for batch engines that pipe records through credo
# run ("Batch engines that pipe records"), taken from the README and run
# as written: over applications with ERROR lines it exits 0 and writes
# every decision line credo run writes; with a policy that does not load
# it exits nonzero.
set -u
credo=${CREDO:-build/credo}
fail() { echo "FAIL: $*"; exit 1; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
line=$(awk '/^## Batch engines that pipe records/ { on = 1; next } on && /^## / { exit }
            on && /^```sh$/ { getline; print; exit }' README.md)
case $line in
*"credo run"*) ;;
*) fail "README.md's section 'Batch engines that pipe records' has no sh example" ;;
esac
mkdir "$tmp/bin"
ln -s "$(cd "$(dirname "$credo")" && pwd)/$(basename "$credo")" "$tmp/bin/credo"

PATH="$tmp/bin:$PATH" sh -c "$line" >"$tmp/got" 2>"$tmp/err"
rc=$?
[ $rc -eq 0 ] || { cat "$tmp/err"; fail "the wrapper exits $rc over examples/applicants.jsonl"; }
"$credo" run --as-of 2026-12-01 policies/sme_tax_loan.credo examples/applicants.jsonl >"$tmp/want"
[ $? -eq 3 ] || fail "examples/applicants.jsonl no longer has ERROR lines: credo run does not exit 3"
cmp -s "$tmp/want" "$tmp/got" || fail "the wrapper's output differs from credo run's"

printf 'policy broken\ninput a { x: int }\ny = x +\n' >"$tmp/broken.credo"
broken=$(printf '%s\n' "$line" | sed "s|policies/sme_tax_loan.credo|$tmp/broken.credo|")
PATH="$tmp/bin:$PATH" sh -c "$broken" >/dev/null 2>&1 && fail "the wrapper exits 0 with a policy that does not compile"
echo "pipe_wrapper: README's wrapper exits 0 over ERROR lines (credo run's 3), with the same output, and fails on a broken policy"
