#!/bin/sh
# credo serve --tls-cert --tls-key: a self-signed certificate for
# 127.0.0.1 made here with openssl; curl trusting it (--cacert) gets
# /healthz and a decision over HTTPS, with a token; plain HTTP to the
# port gets no answer; curl without the certificate refuses the server;
# a key that is not PEM is refused at start.  The commands are those of
# the example in README.md and credo(1) ("a token for a client, HTTPS,
# and a decision"), run in a temporary folder.
. tests/golden/serve_common.inc
command -v openssl >/dev/null 2>&1 || fail "openssl is needed (.ci/run installs it)"
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 2 -subj /CN=127.0.0.1 \
    -addext subjectAltName=IP:127.0.0.1 -keyout "$tmp/key.pem" -out "$tmp/cert.pem" >/dev/null 2>&1 ||
    fail "openssl cannot make a certificate"
here=$(pwd)
credo=$(cd "$(dirname "$credo")" && pwd)/$(basename "$credo")
cd "$tmp" || fail "cd"
printf '%s\n' "$app" >application.json
# the example, as written (with the port a free one)
openssl rand -hex 32 > client.token
"$credo" serve --hash-token origination < client.token >> tokens
start_server --as-of 2026-12-01 --tls-cert cert.pem --tls-key key.pem --tokens tokens \
    --open-route /metrics --access-log access.jsonl policies/
token=$(cat client.token)
grep -q "listening on https://127.0.0.1:$port/" "$tmp/err" || fail "the start line does not say https"
https=https://127.0.0.1:$port
got=$(curl -s --cacert "$tmp/cert.pem" "$https/healthz") || fail "curl over TLS failed"
[ "$got" = ok ] || fail "/healthz over TLS said: $got"
code=$(curl -s -o "$tmp/body" -w '%{http_code}' --cacert cert.pem -H "Authorization: Bearer $(cat client.token)" \
    -d @application.json "$https/v1/decide/sme_tax_loan")
[ "$code" = 200 ] && grep -q '"decision":"APPROVE"' "$tmp/body" || fail "a decision over TLS: $code $(cat "$tmp/body")"
code=$(curl -s -o /dev/null -w '%{http_code}' --cacert "$tmp/cert.pem" "$https/v1/policies")
[ "$code" = 401 ] || fail "no token over TLS gave $code, not 401"
code=$(curl -s -o /dev/null -w '%{http_code}' --cacert cert.pem "$https/metrics")
[ "$code" = 200 ] || fail "the open route /metrics gave $code"
grep -q '"token":"origination","route":"/v1/decide/sme_tax_loan"' access.jsonl || fail "the access log has no decision"
! grep -q "$token" access.jsonl || fail "the access log holds the token"
! curl -s -m 5 -o /dev/null "$https/healthz" || fail "curl accepted the self-signed certificate without --cacert"
code=$(curl -s -m 5 -o /dev/null -w '%{http_code}' "http://127.0.0.1:$port/healthz")
[ "$code" = 000 ] || fail "plain HTTP to the TLS port answered $code"
kill -TERM "$pid"; wait "$pid" || fail "credo serve did not exit 0"
pid=
echo 'not a key' >"$tmp/bad.pem"
"$credo" serve --port 0 --tls-cert cert.pem --tls-key "$tmp/bad.pem" policies 2>"$tmp/out"
[ $? = 1 ] && grep -q "bad.pem is not PEM" "$tmp/out" || fail "a bad key is not refused: $(cat "$tmp/out")"
cd "$here" || fail "cd back"
echo "serve_tls: HTTPS with a self-signed certificate: /healthz and a decision with a token over TLS, 401 without; no answer over plain HTTP; untrusted without --cacert; a bad key refused"
