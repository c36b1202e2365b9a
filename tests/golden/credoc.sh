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

"$credo" compile policies/sme_tax_loan.credo -o "$tmp/policy.credoc" >/dev/null || failed "credo compile failed"
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
grep -q "^credo: cannot load $tmp/cut.credoc: credoc: \(truncated\|the file was changed after it was compiled\)" \
    "$tmp/cut.err" || failed "unclear message for a truncated .credoc: $(cat "$tmp/cut.err")"

# one byte changed in the middle: refused, whatever the byte was
cp "$tmp/policy.credoc" "$tmp/flip.credoc"
printf 'X' | dd of="$tmp/flip.credoc" bs=1 seek=$((size / 3)) conv=notrunc 2>/dev/null
cmp -s "$tmp/flip.credoc" "$tmp/policy.credoc" && printf 'Y' | dd of="$tmp/flip.credoc" bs=1 seek=$((size / 3)) conv=notrunc 2>/dev/null
"$credo" run --as-of 2026-12-01 "$tmp/flip.credoc" tests/reference/applicants.jsonl >"$tmp/flip.out" 2>"$tmp/flip.err"
[ $? = 1 ] || failed "a .credoc with a byte changed was not refused with exit 1"
[ -s "$tmp/flip.out" ] && failed "a changed .credoc decided something"
grep -q "credoc: the file was changed after it was compiled" "$tmp/flip.err" ||
    failed "unclear message for a changed .credoc: $(cat "$tmp/flip.err")"

# signed by the release key (tests/golden/keys): --trust loads only what that key signed
keys=tests/golden/keys
"$credo" compile policies/sme_tax_loan.credo -o "$tmp/signed.credoc" --sign $keys/release.key >"$tmp/compile.out" ||
    failed "credo compile --sign failed"
grep -q "^$tmp/signed.credoc: policy sme_tax_loan 2026.11.1, source sha256 [0-9a-f]\{64\}, program sha256 [0-9a-f]\{64\}, signed by key [0-9a-f]\{16\}$" \
    "$tmp/compile.out" || failed "compile --sign printed: $(cat "$tmp/compile.out")"
"$credo" run --as-of 2026-12-01 --trust $keys/release.pub "$tmp/signed.credoc" tests/reference/applicants.jsonl \
    >"$tmp/signed.out" 2>&1 || failed "a signed .credoc was not run under --trust of its key"
cmp -s "$tmp/signed.out" "$tmp/source.out" || failed "the signed .credoc decides differently"
for what in other signed unsigned source; do
    case $what in
    other) f=$tmp/signed.credoc key=$keys/other.pub want="not signed by a trusted key (signed by: [0-9a-f]*; trusted: [0-9a-f]*)" ;;
    unsigned) f=$tmp/policy.credoc key=$keys/release.pub want="not signed by a trusted key (signed by: nobody; trusted: [0-9a-f]*)" ;;
    source) f=policies/sme_tax_loan.credo key=$keys/release.pub want="it is a policy's source, and with --trust only a .credoc signed by a trusted key is loaded" ;;
    signed) cp "$tmp/signed.credoc" "$tmp/resealed.credoc"; f=$tmp/resealed.credoc key=$keys/release.pub
        # the last byte is the signature count: claim none, so the signature is read as content
        printf '\000' | dd of="$f" bs=1 seek=$(($(wc -c <"$f") - 1)) conv=notrunc 2>/dev/null
        want="the file was changed after it was compiled" ;;
    esac
    "$credo" run --as-of 2026-12-01 --trust "$key" "$f" tests/reference/applicants.jsonl >"$tmp/t.out" 2>"$tmp/t.err"
    [ $? = 1 ] || failed "$what: not refused with exit 1 under --trust"
    [ -s "$tmp/t.out" ] && failed "$what: decided something under --trust"
    grep -q "$want" "$tmp/t.err" || failed "$what: $(cat "$tmp/t.err")"
done
"$credo" run --trust "$tmp/nokey.pub" "$tmp/signed.credoc" </dev/null >/dev/null 2>"$tmp/t.err"
[ $? = 1 ] || failed "a missing --trust key was not exit 1"
grep -q "^credo: --trust $tmp/nokey.pub: No such file or directory$" "$tmp/t.err" || failed "missing key: $(cat "$tmp/t.err")"
head -1 tests/reference/applicants.jsonl >"$tmp/notakey.pub"
"$credo" run --trust "$tmp/notakey.pub" "$tmp/signed.credoc" </dev/null >/dev/null 2>"$tmp/t.err"
[ $? = 1 ] || failed "a --trust file that is not a key was not exit 1"
grep -q "not an Ed25519 key in PEM form" "$tmp/t.err" || failed "not a key: $(cat "$tmp/t.err")"
grep -q 'APP' "$tmp/t.err" && failed "the message quotes the file that is not a key"

"$credo" disasm "$tmp/policy.credoc" >"$tmp/disasm.out" || failed "credo disasm failed"
grep -q '^policies/sme_tax_loan.credo:[0-9]*: reject AGE ' "$tmp/disasm.out" || failed "disasm shows no source lines"
grep -q '^let dti:$' "$tmp/disasm.out" || failed "disasm shows no let headers"
grep -q '^ *[0-9][0-9]*  FIRE  *rule AGE (reject)$' "$tmp/disasm.out" || failed "disasm does not name rules"
"$credo" disasm policies/sme_tax_loan.credo >"$tmp/disasm_src.out" || failed "credo disasm of the source failed"
cmp -s "$tmp/disasm.out" "$tmp/disasm_src.out" || failed "disasm differs between the source and its .credoc"
echo "credoc: the .credoc decides the 5000 reference applicants as the source does"
