#!/bin/sh
# credo serve: a temporary policy directory holding a copy of
# policies/sme_tax_loan.credo, served on a free loopback port (--port 0;
# the port is read from the server's stderr).  Checks /healthz,
# /v1/policies, that a decision and an array of 100 equal `credo run`'s
# lines plus "policy", "version", "sha256" and "program_sha256", the ERROR object of a bad
# application, the refusals (400, 404, 405, 413) and /metrics.
#
# Then a reload storm: tests/bench/serve_client.c (built here) posts one
# application continuously over 4 keep-alive connections and 1 that
# reconnects for every request, checking every response, while the policy
# file is replaced 20 times, alternating a valid new version
# (2026.11.1-rN) and a broken one (a syntax error), each time waiting
# until the server has taken it.  Every response must be 200 with the
# expected decision naming a version that was valid; none may fail; the
# broken ones must be reported with their diagnostics; at the end the last
# valid version is served.  Then a new file is served and a deleted one
# no longer is.  Last, SIGTERM under load: every request the server took
# is answered, and it exits 0 (under the sanitizer build of make test,
# also without leaks).  Needs curl and cc.
set -u
credo=${CREDO:-build/credo}
cc=${CC:-cc}
tmp=$(mktemp -d)
pid=
cpids=
cleanup() {
    for p in $cpids; do kill "$p" 2>/dev/null; done
    [ -n "$pid" ] && kill -9 "$pid" 2>/dev/null
    rm -rf "$tmp"
}
trap cleanup EXIT
fail() {
    echo "FAIL: $*"
    [ -f "$tmp/err" ] && { echo "--- server stderr (end):"; tail -15 "$tmp/err"; }
    exit 1
}
command -v curl >/dev/null 2>&1 || fail "curl is needed (.ci/run installs it)"

src=policies/sme_tax_loan.credo
dir=$tmp/policies
asof=2026-12-01
mkdir "$dir" || fail "mkdir"
cp "$src" "$dir/" || fail "copy the policy"
cp policies/sme_tax_loan.test.credo "$dir/"     # a test file: never served
sha0=$(sha256sum "$src" | cut -d' ' -f1)

# wait_for CMD...: true once CMD succeeds, false after 20 s
wait_for() {
    n=0
    until "$@"; do
        n=$((n + 1))
        [ $n -le 200 ] || return 1
        sleep 0.1
    done
}

# ---- start --------------------------------------------------------------------
"$credo" serve --port 0 --threads 4 --as-of $asof "$dir" 2>"$tmp/err" &
pid=$!
port=
listening() {
    kill -0 "$pid" 2>/dev/null || fail "credo serve exited at start"
    port=$(sed -n 's|^credo serve: listening on http://127\.0\.0\.1:\([0-9]*\)/.*|\1|p' "$tmp/err")
    [ -n "$port" ]
}
wait_for listening || fail "credo serve does not listen after 20 s"
url=http://127.0.0.1:$port
decide=$url/v1/decide/sme_tax_loan

# req OUT CURL-ARGS...: the body goes to OUT, the status is printed
req() {
    out=$1
    shift
    curl -s -o "$out" -w '%{http_code}' "$@"
}
# tag VERSION SHA FILE: credo run's lines with what credo serve adds; the
# program's identity is the one credo disasm shows for FILE
tag() {
    prog=$("$credo" disasm "$3" | sed -n 's/^; program sha256 \([0-9a-f]*\).*/\1/p')
    [ -n "$prog" ] || fail "no program sha256 in credo disasm $3"
    sed "s/}\$/,\"policy\":\"sme_tax_loan\",\"version\":\"$1\",\"sha256\":\"$2\",\"program_sha256\":\"$prog\"}/"
}
expect_same() {
    cmp -s "$1" "$2" || { diff "$1" "$2" | head -10; fail "$3"; }
}

# ---- the endpoints -----------------------------------------------------------------
[ "$(req "$tmp/h" "$url/healthz")" = 200 ] || fail "healthz status"
[ "$(cat "$tmp/h")" = ok ] || fail "healthz says: $(cat "$tmp/h")"

[ "$(req "$tmp/p" "$url/v1/policies")" = 200 ] || fail "policies status"
grep -q "^{\"name\":\"sme_tax_loan\",\"version\":\"2026.11.1\",\"sha256\":\"$sha0\",\"program_sha256\":\"[0-9a-f]\{64\}\",\"effective\":\"2026-12-01\",\"file\":\"$dir/sme_tax_loan.credo\",\"loaded_at\":\"20[0-9-]*T[0-9:]*Z\",\"newer_not_loaded\":null}\$" "$tmp/p" ||
    fail "policies: $(cat "$tmp/p")"
[ "$(grep -c '"name"' "$tmp/p")" -eq 1 ] || fail "policies: more than the policy (a test file?): $(cat "$tmp/p")"

head -1 tests/reference/applicants.jsonl >"$tmp/one.json"
"$credo" run --as-of $asof "$src" "$tmp/one.json" >"$tmp/one.run" || fail "credo run on the first applicant"
[ "$(req "$tmp/one.out" --data-binary @"$tmp/one.json" "$decide")" = 200 ] || fail "decide one: $(cat "$tmp/one.out")"
tag 2026.11.1 "$sha0" "$src" <"$tmp/one.run" >"$tmp/one.want"
expect_same "$tmp/one.want" "$tmp/one.out" "one decision differs from credo run's"

head -100 tests/reference/applicants.jsonl >"$tmp/100.jsonl"
{ printf '['; paste -s -d, "$tmp/100.jsonl"; printf ']\n'; } >"$tmp/100.json"
"$credo" run --as-of $asof "$src" "$tmp/100.jsonl" >"$tmp/100.run"
[ "$(wc -l <"$tmp/100.run")" -eq 100 ] || fail "credo run did not decide 100 lines"
[ "$(req "$tmp/100.out" --data-binary @"$tmp/100.json" "$decide")" = 200 ] || fail "decide 100: $(head -c 300 "$tmp/100.out")"
{ echo '['; tag 2026.11.1 "$sha0" "$src" <"$tmp/100.run" | sed '$!s/$/,/'; echo ']'; } >"$tmp/100.want"
expect_same "$tmp/100.want" "$tmp/100.out" "the array of 100 differs from credo run's lines"

# a bad application is answered, like run, with its ERROR object
printf '{"app_id":"BAD1","age":"forty"}\n' >"$tmp/bad.json"
"$credo" run --as-of $asof "$src" "$tmp/bad.json" >"$tmp/bad.run"
grep -q '"decision":"ERROR"' "$tmp/bad.run" || fail "credo run did not give an ERROR line"
[ "$(req "$tmp/bad.out" --data-binary @"$tmp/bad.json" "$decide")" = 200 ] || fail "bad application status"
tag 2026.11.1 "$sha0" "$src" <"$tmp/bad.run" >"$tmp/bad.want"
expect_same "$tmp/bad.want" "$tmp/bad.out" "the ERROR object differs from credo run's"

# refusals
[ "$(req "$tmp/r" --data-binary 'this is not json' "$decide")" = 400 ] || fail "a body that is not JSON: not 400"
grep -q '^{"error":"' "$tmp/r" || fail "400 without an error object: $(cat "$tmp/r")"
[ "$(req "$tmp/r" --data-binary '[{"app_id":"A"},' "$decide")" = 400 ] || fail "a cut-off array: not 400"
[ "$(req "$tmp/r" --data-binary @"$tmp/one.json" "$url/v1/decide/no_such_policy")" = 404 ] || fail "unknown policy: not 404"
[ "$(req "$tmp/r" "$decide")" = 405 ] || fail "GET on decide: not 405"
head -c 11000000 /dev/zero | tr '\0' ' ' >"$tmp/big"
[ "$(req "$tmp/r" --data-binary @"$tmp/big" "$decide")" = 413 ] || fail "11 MB body: not 413"
rm -f "$tmp/big"

# metrics: what was decided so far, by outcome
[ "$(req "$tmp/m" "$url/metrics")" = 200 ] || fail "metrics status"
for outcome in APPROVE REFER REJECT; do
    n=$(cat "$tmp/one.run" "$tmp/100.run" | grep -c "\"decision\":\"$outcome\"")
    grep -q "^credo_decisions_total{policy=\"sme_tax_loan\",outcome=\"$outcome\"} $n\$" "$tmp/m" ||
        fail "metrics: $outcome is not $n: $(grep credo_decisions_total "$tmp/m")"
done
for line in 'credo_decisions_total{policy="sme_tax_loan",outcome="ERROR"} 1' 'credo_errors_total{code="400"} 2' \
    'credo_errors_total{code="404"} 1' 'credo_errors_total{code="405"} 1' 'credo_errors_total{code="413"} 1' \
    'credo_request_duration_seconds_count 8' 'credo_policy_reloads_total{result="ok"} 1' 'credo_policies 1'; do
    grep -qxF "$line" "$tmp/m" || fail "metrics lack: $line"
done
grep -q '^credo_request_duration_seconds_bucket{le="+Inf"} 8$' "$tmp/m" || fail "metrics: no latency histogram"

# ---- the reload storm --------------------------------------------------------------
"$cc" -std=c11 -O2 -pthread -D_POSIX_C_SOURCE=200809L -D_DEFAULT_SOURCE -o "$tmp/client" tests/bench/serve_client.c ||
    fail "tests/bench/serve_client.c does not build"
"$tmp/client" -p "$port" -c 4 -s "$tmp/stop" -e "$tmp/one.run" /v1/decide/sme_tax_loan "$tmp/one.json" \
    >"$tmp/client1.out" 2>&1 &
cpids=$!
"$tmp/client" -p "$port" -c 1 -C -s "$tmp/stop" -e "$tmp/one.run" /v1/decide/sme_tax_loan "$tmp/one.json" \
    >"$tmp/client2.out" 2>&1 &
cpids="$cpids $!"

serving() {
    curl -s "$url/v1/policies" | grep -q "\"name\":\"sme_tax_loan\",\"version\":\"$1\",\"sha256\":\"$2\""
}
reported() {
    [ "$(grep -c "^credo serve: $dir/sme_tax_loan.credo: not loaded (" "$tmp/err")" -ge "$1" ]
}
valid="2026.11.1"
last=2026.11.1
last_sha=$sha0
i=1
while [ $i -le 20 ]; do
    v=2026.11.1-r$i
    if [ $((i % 2)) -eq 1 ]; then
        sed "s/version \"2026.11.1\"/version \"$v\"/" "$src" >"$dir/.next"
    else
        # a syntax error, in a file that would otherwise be a new version
        sed "s/version \"2026.11.1\"/version \"$v\"/; s/^admission {/admission {{/" "$src" >"$dir/.next"
    fi
    sha=$(sha256sum "$dir/.next" | cut -d' ' -f1)
    [ $((i % 2)) -eq 1 ] && cp "$dir/.next" "$tmp/last.credo"
    mv "$dir/.next" "$dir/sme_tax_loan.credo"
    if [ $((i % 2)) -eq 1 ]; then
        wait_for serving "$v" "$sha" || fail "version $v is not served after 20 s"
        valid="$valid $v"
        last=$v
        last_sha=$sha
    else
        wait_for reported $((i / 2)) || fail "the broken version $v is not reported after 20 s"
        serving "$last" "$last_sha" || fail "after the broken $v, $last is no longer served"
    fi
    i=$((i + 1))
done
touch "$tmp/stop"
for p in $cpids; do
    wait "$p" || fail "a client failed: $(cat "$tmp/client1.out" "$tmp/client2.out")"
done
cpids=
for out in "$tmp/client1.out" "$tmp/client2.out"; do
    grep -q '^requests [1-9][0-9]* failures 0 ' "$out" || fail "client: $(cat "$out")"
    seen=$(sed -n 's/^version \([^ ]*\) [0-9]*$/\1/p' "$out")
    [ -n "$seen" ] || fail "client saw no version: $(cat "$out")"
    for v in $seen; do
        case " $valid " in
        *" $v "*) ;;
        *) fail "a response named version $v, which was never valid" ;;
        esac
    done
done
grep -q "^$dir/sme_tax_loan.credo:[0-9]*:[0-9]*: error: " "$tmp/err" || fail "no diagnostics for the broken versions"

serving "$last" "$last_sha" || fail "at the end, $last is not served: $(curl -s "$url/v1/policies")"
[ "$(req "$tmp/end.out" --data-binary @"$tmp/one.json" "$decide")" = 200 ] || fail "decide after the storm"
tag "$last" "$last_sha" "$tmp/last.credo" <"$tmp/one.run" >"$tmp/end.want"
expect_same "$tmp/end.want" "$tmp/end.out" "after the storm the decision is not $last's"
curl -s "$url/metrics" >"$tmp/m"
grep -qxF 'credo_policy_reloads_total{result="ok"} 11' "$tmp/m" || fail "metrics: reloads ok is not 11"
grep -qxF 'credo_policy_reloads_total{result="failed"} 10' "$tmp/m" || fail "metrics: reloads failed is not 10"

# ---- a new file, a deleted file ------------------------------------------------------
cp policies/farm_loan.credo "$dir/"
has() { curl -s "$url/v1/policies" | grep -q "\"name\":\"$1\""; }
hasnt() { ! has "$1"; }
wait_for has farm_loan || fail "a new policy file is not served after 20 s"
rm "$dir/farm_loan.credo"
wait_for hasnt farm_loan || fail "a deleted policy file is still served after 20 s"
[ "$(req "$tmp/r" -d '{}' "$url/v1/decide/farm_loan")" = 404 ] || fail "a deleted policy: not 404"
has sme_tax_loan || fail "deleting farm_loan took sme_tax_loan with it"

# ---- stop, under load: what is in flight is answered ------------------------------------
rm -f "$tmp/stop"
# -X: a connection the server closes is not opened again, so the client
# fails only if a request it sent goes unanswered
"$tmp/client" -p "$port" -c 4 -X -s "$tmp/stop" -e "$tmp/one.run" /v1/decide/sme_tax_loan "$tmp/one.json" \
    >"$tmp/client3.out" 2>&1 &
cpids=$!
sleep 0.5
kill -TERM "$pid"
wait "$pid"
rc=$?
pid=
touch "$tmp/stop"
wait $cpids
crc=$?
cpids=
[ $rc -eq 0 ] || fail "credo serve exited $rc after SIGTERM"
[ $crc -eq 0 ] || fail "requests failed while stopping: $(cat "$tmp/client3.out")"
grep -q '^credo serve: stopped$' "$tmp/err" || fail "credo serve did not say it stopped"
grep -q 'Sanitizer' "$tmp/err" && fail "sanitizer report"
total=$(cat "$tmp/client1.out" "$tmp/client2.out" | awk '/^requests / { n += $2 } END { print n }')
echo "serve: $total requests checked during 20 reloads; versions seen: $(sed -n 's/^version \([^ ]*\) .*/\1/p' "$tmp/client1.out" "$tmp/client2.out" | sort -u | paste -s -d' ' -)"
exit 0
