#!/bin/sh
# credo serve --trust KEY.pub serves only the .credoc files that key signed:
# of a folder holding a signed .credoc, the same policy unsigned, one
# signed by another key and a source, only the first is served; each of
# the others is reported on stderr, and a request for it is 404.
set -u
credo=${CREDO:-build/credo}
tmp=$(mktemp -d)
pid=
cleanup() { [ -n "$pid" ] && kill "$pid" 2>/dev/null; wait 2>/dev/null; rm -rf "$tmp"; }
trap cleanup EXIT
fail() { echo "FAIL: $*"; [ -f "$tmp/err" ] && tail -20 "$tmp/err"; exit 1; }
command -v curl >/dev/null 2>&1 || fail "curl is needed (.ci/run installs it)"
keys=tests/golden/keys
dir=$tmp/policies
mkdir "$dir" "$tmp/other"
"$credo" keygen "$tmp/other/k" >/dev/null || fail "keygen"
"$credo" compile policies/sme_tax_loan.credo -o "$dir/sme.credoc" --sign $keys/release.key >/dev/null || fail "compile sme"
"$credo" compile policies/farm_loan.credo -o "$dir/farm.credoc" >/dev/null || fail "compile farm"
"$credo" compile policies/consumer_loan.credo -o "$dir/consumer.credoc" --sign "$tmp/other/k.key" >/dev/null ||
    fail "compile consumer"
cp policies/pos_merchant_loan.credo "$dir/"
"$credo" serve --port 0 --threads 2 --trust $keys/release.pub "$dir" 2>"$tmp/err" &
pid=$!
n=0
port=
until [ -n "$port" ]; do
    kill -0 "$pid" 2>/dev/null || fail "credo serve exited at start"
    port=$(sed -n 's|^credo serve: listening on http://127\.0\.0\.1:\([0-9]*\)/.*|\1|p' "$tmp/err")
    n=$((n + 1)); [ $n -le 200 ] || fail "credo serve does not listen after 20 s"; sleep 0.1
done
url=http://127.0.0.1:$port
pols=$(curl -s "$url/v1/policies") || fail "GET /v1/policies"
[ "$(printf '%s' "$pols" | grep -c '"name"')" -eq 1 ] || fail "not exactly one policy served: $pols"
printf '%s' "$pols" | grep -q '"name":"sme_tax_loan"' || fail "the signed policy is not served: $pols"
grep -q "farm.credoc: .*not signed by a trusted key (signed by: nobody" "$tmp/err" || fail "the unsigned .credoc"
grep -q "consumer.credoc: .*not signed by a trusted key (signed by: [0-9a-f]*;" "$tmp/err" || fail "the other key's .credoc"
grep -q "pos_merchant_loan.credo: .*it is a policy's source" "$tmp/err" || fail "the source"
app=$(head -1 tests/reference/applicants.jsonl)
[ "$(curl -s -o /dev/null -w '%{http_code}' --data-binary "$app" "$url/v1/decide/sme_tax_loan")" = 200 ] ||
    fail "the signed policy does not decide"
[ "$(curl -s -o /dev/null -w '%{http_code}' --data-binary '{}' "$url/v1/decide/farm_loan")" = 404 ] ||
    fail "the unsigned policy answers"
echo "serve_trust: only the .credoc signed by the trusted key is served"
