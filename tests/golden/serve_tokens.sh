#!/bin/sh
# credo serve --tokens: a token file made with `credo serve --hash-token`
# (equal to the documented one-liner with sha256sum); without a token,
# with a wrong one, or another scheme, every route is 401 with
# "WWW-Authenticate: Bearer", but /healthz and the --open-route /metrics
# answer; with the right token /v1/policies and a decision are 200.  The
# --access-log has one JSON line per request, with the token's name,
# never the token nor the application's data.
. tests/golden/serve_common.inc
token=s3cr3t-$(od -An -N8 -tx1 /dev/urandom | tr -d ' \n')
line=$(printf '%s\n' "$token" | "$credo" serve --hash-token origination) || fail "--hash-token failed"
[ "$line" = "$(printf %s "$token" | sha256sum | cut -d' ' -f1) origination" ] ||
    fail "--hash-token does not print the SHA-256 and the name: $line"
printf '# holders of tokens\n%s\n' "$line" >"$tmp/tokens"
start_server --as-of 2026-12-01 --tokens "$tmp/tokens" --open-route /metrics --access-log "$tmp/access.jsonl" "$policies"
grep -q "bearer tokens" "$tmp/err" || fail "the start line does not say tokens are needed"
# status ARGS...: the status of curl ARGS
status() { curl -s -o "$tmp/body" -D "$tmp/headers" -w '%{http_code}' "$@"; }
expect() {
    want=$1
    shift
    got=$(status "$@")
    [ "$got" = "$want" ] || fail "curl $* gave $got, not $want: $(cat "$tmp/body")"
}
for route in /v1/policies; do
    expect 401 "$url$route"
    grep -qi '^WWW-Authenticate: Bearer' "$tmp/headers" || fail "401 without WWW-Authenticate: Bearer"
    expect 401 -H "Authorization: Bearer wrong-$token" "$url$route"
    expect 401 -H "Authorization: Basic $token" "$url$route"
    expect 200 -H "Authorization: Bearer $token" "$url$route"
done
expect 401 -d "$app" "$url/v1/decide/sme_tax_loan"
expect 200 -H "Authorization: Bearer $token" -d "$app" "$url/v1/decide/sme_tax_loan"
grep -q '"decision":"APPROVE"' "$tmp/body" || fail "the decision is not in the answer: $(cat "$tmp/body")"
expect 200 "$url/healthz"
expect 200 "$url/metrics"
grep -q '^credo_errors_total{code="401"} 4$' "$tmp/body" || fail "/metrics does not count four 401s"
kill -TERM "$pid"; wait "$pid" || fail "credo serve did not exit 0"
pid=
log=$tmp/access.jsonl
[ "$(wc -l <"$log")" = 8 ] || fail "$(wc -l <"$log") access log lines, not 8"
! grep -q "$token" "$log" || fail "the access log holds the token"
! grep -q APP00000001 "$log" || fail "the access log holds application data"
grep -q '"client":"127.0.0.1","token":"origination","route":"/v1/decide/sme_tax_loan","policy":"sme_tax_loan","version":"2026.11.1","outcome":"APPROVE","status":200,"latency_us":[0-9]*}$' "$log" ||
    fail "no access log line for the decision: $(cat "$log")"
[ "$(grep -c '"token":null,"route":"/v1/policies".*"status":401' "$log")" = 3 ] || fail "the 401s are not logged"
grep -q '^{"time":"[0-9-]*T[0-9:.]*Z","client":"127.0.0.1","token":null,"route":"/healthz","policy":null,"version":null,"outcome":null,"status":200,' "$log" ||
    fail "/healthz is not logged"
echo "serve_tokens: no, wrong or non-bearer token is 401 with WWW-Authenticate; the right one 200; /healthz and --open-route /metrics open; 8 access log lines without token or application data"
