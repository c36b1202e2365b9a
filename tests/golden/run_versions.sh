#!/bin/sh
# Versions side by side: credo run --as-of DATE DIR decides with the
# version in effect on DATE; the log refuses a policy without identity.
set -u
credo=${CREDO:-build/credo}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*"; exit 1; }
mkdir "$tmp/sme"
mk() { # version effective file
    sed -e "s/^  version \"2026.11.1\"/  version \"$1\"/" -e "s/^  effective 2026-12-01/  effective $2/" \
        policies/sme_tax_loan.credo > "$tmp/sme/$3"
    grep -q "version \"$1\"" "$tmp/sme/$3" && grep -q "effective $2" "$tmp/sme/$3" || fail "could not make $3"
}
mk 2026.06.1 2026-06-01 v1.credo
mk 2026.12.1 2026-12-01 v2.credo
mk 2027.03.1 2027-03-01 v3.credo
app=$(head -1 tests/reference/applicants.jsonl)
for case in 2026-07-15:2026.06.1 2026-12-01:2026.12.1 2027-02-28:2026.12.1 2027-03-01:2027.03.1; do
    day=${case%%:*}; want=${case#*:}
    got=$(printf '%s\n' "$app" | "$credo" run --as-of "$day" --challenger "$tmp/sme" --share 100% "$tmp/sme") || fail "exit on $day"
    printf '%s' "$got" | grep -q "\"version\":\"$want\"" || fail "as of $day expected $want, got $got"
done
printf '%s\n' "$app" | "$credo" run --as-of 2026-01-01 "$tmp/sme" > /dev/null 2> "$tmp/err" && fail "no version in effect must fail"
grep -q "no version of the policy is in effect on 2026-01-01" "$tmp/err" || fail "message: $(cat "$tmp/err")"
cp tests/golden/match/farm_only.credo "$tmp/sme/other.credo"
printf '%s\n' "$app" | "$credo" run --as-of 2026-12-01 "$tmp/sme" > /dev/null 2> "$tmp/err" && fail "two policies in a folder must fail"
grep -q "holds different policies" "$tmp/err" || fail "message: $(cat "$tmp/err")"
# identity is required to log
printf '%s\n' "$app" | "$credo" run --as-of 2026-12-01 --log "$tmp/log.db" tests/golden/exact_decimal.credo > /dev/null 2> "$tmp/err" && fail "log without identity"
grep -q "the policy header needs version" "$tmp/err" || fail "message: $(cat "$tmp/err")"
# a policy not yet in effect gets a warning but decides
printf '%s\n' "$app" | "$credo" run --as-of 2026-01-01 "$tmp/sme/v2.credo" > /dev/null 2> "$tmp/err" || fail "exit"
grep -q "takes effect on 2026-12-01, after the as-of date 2026-01-01" "$tmp/err" || fail "warning: $(cat "$tmp/err")"
# --trust: only signed .credoc versions are candidates; v2 signed, v3 only a source
rm "$tmp/sme/other.credo"
"$credo" compile "$tmp/sme/v2.credo" -o "$tmp/sme/v2.credoc" --sign tests/golden/keys/release.key >/dev/null ||
    fail "compile --sign"
got=$(printf '%s\n' "$app" | "$credo" run --as-of 2027-03-01 --trust tests/golden/keys/release.pub --challenger "$tmp/sme" \
    --share 100% "$tmp/sme" 2>"$tmp/err") || fail "exit under --trust: $(cat "$tmp/err")"
printf '%s' "$got" | grep -q '"version":"2026.12.1"' || fail "under --trust expected the signed 2026.12.1, got $got"
grep -q "v3.credo is a policy's source; under --trust it is not a candidate" "$tmp/err" || fail "message: $(cat "$tmp/err")"
echo "versions: the version in effect decides"
