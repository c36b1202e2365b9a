#!/bin/sh
# Compiled policies: the reference policy compiled to a .credoc decides the
# reference applicants byte for byte as the source does; a truncated copy
# is refused with exit 1 and a clear message; `credo disasm` shows the
# bytecode under its source lines, the same for the source and the .credoc.
set -u
credo=${CREDO:-build/credo}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
failed() { echo "credoc: $*"; exit 1; }

"$credo" compile policies/sme_tax_loan.credo -o "$tmp/policy.credoc" || failed "credo compile failed"
[ -s "$tmp/policy.credoc" ] || failed "credo compile wrote nothing"

"$credo" run --as-of 2026-12-01 policies/sme_tax_loan.credo tests/reference/applicants.jsonl >"$tmp/source.out" 2>&1
src_rc=$?
"$credo" run --as-of 2026-12-01 "$tmp/policy.credoc" tests/reference/applicants.jsonl >"$tmp/credoc.out" 2>&1
bin_rc=$?
[ "$src_rc" = "$bin_rc" ] || failed "exit $bin_rc from the .credoc, $src_rc from the source"
if ! cmp -s "$tmp/source.out" "$tmp/credoc.out"; then
    diff "$tmp/source.out" "$tmp/credoc.out" | head -10
    failed "the .credoc decides differently from the source"
fi
[ "$(wc -l <"$tmp/credoc.out")" -eq 5000 ] || failed "not 5000 decisions"

size=$(wc -c <"$tmp/policy.credoc")
head -c $((size / 2)) "$tmp/policy.credoc" >"$tmp/cut.credoc"
"$credo" run --as-of 2026-12-01 "$tmp/cut.credoc" tests/reference/applicants.jsonl >"$tmp/cut.out" 2>"$tmp/cut.err"
rc=$?
[ "$rc" = 1 ] || failed "a truncated .credoc gave exit $rc, not 1"
[ -s "$tmp/cut.out" ] && failed "a truncated .credoc decided something"
grep -q "^credo: cannot load $tmp/cut.credoc: credoc: truncated" "$tmp/cut.err" ||
    failed "unclear message for a truncated .credoc: $(cat "$tmp/cut.err")"

"$credo" disasm "$tmp/policy.credoc" >"$tmp/disasm.out" || failed "credo disasm failed"
grep -q '^policies/sme_tax_loan.credo:[0-9]*: reject AGE ' "$tmp/disasm.out" || failed "disasm shows no source lines"
grep -q '^let dti:$' "$tmp/disasm.out" || failed "disasm shows no let headers"
grep -q '^ *[0-9][0-9]*  FIRE  *rule AGE (reject)$' "$tmp/disasm.out" || failed "disasm does not name rules"
"$credo" disasm policies/sme_tax_loan.credo >"$tmp/disasm_src.out" || failed "credo disasm of the source failed"
cmp -s "$tmp/disasm.out" "$tmp/disasm_src.out" || failed "disasm differs between the source and its .credoc"
echo "credoc: the .credoc decides the 5000 reference applicants as the source does"
