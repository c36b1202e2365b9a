#!/bin/sh
# --sticky-key: a customer who applies again stays in the same arm.  20
# customers apply twice each, under different app_ids, with a 50%
# challenger.  By app_id (the default) some customer's two applications
# go to different policies; with --sticky-key customer_id none do, in
# credo run and in credo serve alike, both arms are used, and serve's
# arms are run's.  An application without the key goes to the champion;
# serve's experiment options that do not fit are refused (exit 2).
set -u
credo=${CREDO:-build/credo}
tmp=$(mktemp -d)
pid=
cleanup() {
    [ -n "$pid" ] && kill -9 "$pid" 2>/dev/null
    rm -rf "$tmp"
}
trap cleanup EXIT
fail() {
    echo "FAIL: $*"
    [ -f "$tmp/err" ] && { echo "--- stderr (end):"; tail -5 "$tmp/err"; }
    exit 1
}
mkdir "$tmp/p" || fail "mkdir"
sed -e 's/^policy sme_tax_loan /policy champ /' policies/sme_tax_loan.credo >"$tmp/p/champ.credo"
sed -e 's/^policy sme_tax_loan /policy chal /' -e 's/^  version "2026.11.1"/  version "chal-1"/' \
    policies/sme_tax_loan.credo >"$tmp/p/chal.credo"
app=$(head -1 tests/reference/applicants.jsonl)
c=1
while [ $c -le 20 ]; do
    for n in 1 2; do
        printf '%s\n' "$app" | sed "s/^{\"app_id\":\"[^\"]*\"/{\"app_id\":\"C$c-$n\",\"customer_id\":\"C$c\"/"
    done
    c=$((c + 1))
done >"$tmp/apps.jsonl"
[ "$(grep -c '"customer_id":"C' "$tmp/apps.jsonl")" = 40 ] || fail "could not make the applications"

# arms FILE: "CUSTOMER VERSION" per decision line
arms() { sed -n 's/^{"app_id":"\(C[0-9]*\)-[12]".*"version":"\([^"]*\)".*/\1 \2/p' "$1"; }
# split FILE: how many customers were decided by two policies
split() { arms "$1" | sort -u | cut -d' ' -f1 | uniq -d | wc -l; }

"$credo" run --as-of 2026-12-01 --challenger "$tmp/p/chal.credo" --share 50% "$tmp/p/champ.credo" \
    "$tmp/apps.jsonl" >"$tmp/by_app" 2>"$tmp/err" || fail "run by app_id"
[ "$(split "$tmp/by_app")" -gt 0 ] || fail "by app_id, no customer was split: the test shows nothing"
"$credo" run --as-of 2026-12-01 --challenger "$tmp/p/chal.credo" --share 50% --sticky-key customer_id \
    "$tmp/p/champ.credo" "$tmp/apps.jsonl" >"$tmp/run" 2>"$tmp/err" || fail "run --sticky-key"
[ "$(arms "$tmp/run" | wc -l)" = 40 ] || fail "run: $(head -2 "$tmp/run")"
[ "$(split "$tmp/run")" = 0 ] || fail "run --sticky-key split a customer: $(arms "$tmp/run")"
chal=$(arms "$tmp/run" | grep -c ' chal-1$')
[ "$chal" -gt 0 ] && [ "$chal" -lt 40 ] || fail "run --sticky-key: the challenger decided $chal of 40"
printf '%s\n' "$app" | "$credo" run --as-of 2026-12-01 --challenger "$tmp/p/chal.credo" --share 100% \
    --sticky-key customer_id "$tmp/p/champ.credo" | grep -q '"policy":"champ"' ||
    fail "run: an application without the key must go to the champion"
"$credo" run --sticky-key customer_id "$tmp/p/champ.credo" </dev/null >/dev/null 2>"$tmp/err" && fail "--sticky-key alone"
grep -q "sticky-key goes with --challenger" "$tmp/err" || fail "message: $(cat "$tmp/err")"

# credo serve's options that do not fit are refused with exit 2
usage() { # MESSAGE OPTIONS...
    want=$1
    shift
    "$credo" serve "$@" "$tmp/p" >/dev/null 2>"$tmp/err" && fail "serve $* started"
    [ $? = 2 ] && grep -q -- "$want" "$tmp/err" || fail "serve $*: $(cat "$tmp/err")"
}
usage "give CHAMPION:CHALLENGER" --challenger champ --share 10%
usage "needs --share" --challenger champ:chal
usage "sticky-key goes with --challenger" --sticky-key customer_id
usage "shadow needs --log" --shadow champ:chal
usage "policy champ has one already" --challenger champ:chal --challenger champ:x --share 1%

# the same in credo serve
"$credo" serve --port 0 --threads 2 --as-of 2026-12-01 --challenger champ:chal --share 50% \
    --sticky-key customer_id "$tmp/p" 2>"$tmp/err" &
pid=$!
n=0
port=
while [ -z "$port" ]; do
    port=$(sed -n 's|^credo serve: listening on http://127\.0\.0\.1:\([0-9]*\)/.*|\1|p' "$tmp/err")
    [ -n "$port" ] && break
    n=$((n + 1))
    [ $n -le 200 ] && kill -0 "$pid" 2>/dev/null || fail "credo serve did not start"
    sleep 0.1
done
{ printf '['; paste -s -d, "$tmp/apps.jsonl"; printf ']'; } >"$tmp/batch.json"
curl -s -d @"$tmp/batch.json" "http://127.0.0.1:$port/v1/decide/champ" >"$tmp/serve" || fail "curl"
[ "$(arms "$tmp/serve" | wc -l)" = 40 ] || fail "serve: $(head -c 300 "$tmp/serve")"
[ "$(split "$tmp/serve")" = 0 ] || fail "serve --sticky-key split a customer: $(arms "$tmp/serve")"
[ "$(arms "$tmp/serve")" = "$(arms "$tmp/run")" ] || fail "serve chose other arms than run"
grep -c '"arm":"challenger"' "$tmp/serve" | grep -qx "$chal" || fail "serve: \"arm\" does not match the versions"
kill -TERM "$pid"
wait "$pid" || fail "credo serve did not exit 0"
pid=
echo "sticky key: 20 customers applying twice stay in one arm with --sticky-key customer_id (run and serve the same, $chal of 40 to the challenger); by app_id $(split "$tmp/by_app") were split"
