#!/bin/sh
# credo serve online, under load: two versions of policy verp chosen by
# each request's ?as_of date, a 10% challenger (verp_chal) and a shadow
# (verp_shadow), every decision logged (--log, keyed, signed).  Eight
# keep-alive connections (tests/bench/serve_client.c, each request with
# an app_id of its own), four as of 2026-03-01 (version 1.0) and four as
# of 2026-09-01 (version 2.x), while the 2.x file is replaced 20 times
# by rename-into-place.  Then: every request was answered 200; credo
# audit verify passes on the log; the log holds exactly one
# champion-or-challenger row per 200 answer and one shadow row beside
# each; each row names the version that answered (the policies table's
# version for its source hash equals the "version" of the answer it
# logged); the dates chose the versions; the challenger's rows are about
# 10% and match the "arm"s the clients saw, as does the access log
# (--access-log), each line naming the policy and version that answered.  Last, a log that cannot be
# written (another process holds its write lock) gives 503, never 200,
# and logging resumes once the lock goes.  Needs cc, curl and sqlite3.
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
for tool in curl sqlite3 "$cc"; do
    command -v "$tool" >/dev/null 2>&1 || fail "$tool is needed (.ci/run installs it)"
done
wait_for() {
    n=0
    until "$@"; do
        n=$((n + 1))
        [ $n -le 200 ] || return 1
        sleep 0.1
    done
}

dir=$tmp/policies
mkdir "$dir" || fail "mkdir"
# mk NAME VERSION EFFECTIVE FILE: the reference policy renamed and dated
mk() {
    sed -e "s/^policy sme_tax_loan /policy $1 /" -e "s/^  version \"2026.11.1\"/  version \"$2\"/" \
        -e "s/^  effective 2026-12-01/  effective $3/" policies/sme_tax_loan.credo >"$4" &&
        grep -q "^policy $1 " "$4" && grep -q "version \"$2\"" "$4" || fail "could not make $4"
}
mk verp 1.0 2026-01-01 "$dir/v1.credo"
mk verp 2.r0 2026-06-01 "$dir/v2.credo"
mk verp_chal c1 2026-01-01 "$dir/chal.credo"
mk verp_shadow s1 2026-01-01 "$dir/shadow.credo"
cp tests/golden/exact_decimal.credo "$dir/"     # no version, date or owner: cannot be logged
head -c 32 /dev/urandom >"$tmp/log.key"
"$credo" keygen "$tmp/signer" >/dev/null 2>&1 || fail "credo keygen"
sed 's/"app_id":"[^"]*"/"app_id":"@ID@"/' tests/reference/applicants.jsonl | head -1 >"$tmp/body.json"
grep -q '@ID@' "$tmp/body.json" || fail "no app_id in the sample application"
"$cc" -std=c11 -O2 -pthread -D_POSIX_C_SOURCE=200809L -D_DEFAULT_SOURCE -o "$tmp/client" tests/bench/serve_client.c ||
    fail "tests/bench/serve_client.c does not build"

log=$tmp/log.db
"$credo" serve --port 0 --threads 4 --log "$log" --log-key "$tmp/log.key" --log-sign "$tmp/signer.key" \
    --challenger verp:verp_chal --share 10% --shadow verp:verp_shadow --access-log "$tmp/access.jsonl" \
    "$dir" 2>"$tmp/err" &
pid=$!
port=
listening() {
    kill -0 "$pid" 2>/dev/null || fail "credo serve exited at start"
    port=$(sed -n 's|^credo serve: listening on http://127\.0\.0\.1:\([0-9]*\)/.*|\1|p' "$tmp/err")
    [ -n "$port" ]
}
wait_for listening || fail "credo serve does not listen after 20 s"
url=http://127.0.0.1:$port

# /v1/policies lists both versions of verp, each with its date
curl -s "$url/v1/policies" >"$tmp/list" || fail "GET /v1/policies"
grep -q '"name":"verp","version":"1.0".*"effective":"2026-01-01"' "$tmp/list" &&
    grep -q '"name":"verp","version":"2.r0".*"effective":"2026-06-01"' "$tmp/list" ||
    fail "/v1/policies does not list both versions: $(cat "$tmp/list")"

# a policy without identity: 503, as credo run --log refuses it
code=$(curl -s -o "$tmp/r" -w '%{http_code}' -d '{"app_id":"X"}' "$url/v1/decide/exact_decimal")
[ "$code" = 503 ] && grep -q 'policy exact_decimal .* has no version .* in its header' "$tmp/r" ||
    fail "a policy without identity: $code $(cat "$tmp/r")"

# a date before every version, a bad date, two versions on one date
one=$(sed 's/@ID@/DATES-1/' "$tmp/body.json")
code=$(curl -s -o "$tmp/r" -w '%{http_code}' -d "$one" "$url/v1/decide/verp?as_of=2025-12-31")
[ "$code" = 404 ] && grep -q 'no version of policy verp is in effect on 2025-12-31' "$tmp/r" ||
    fail "before every version: $code $(cat "$tmp/r")"
code=$(curl -s -o "$tmp/r" -w '%{http_code}' -d "$one" "$url/v1/decide/verp?as_of=2026-13-01")
[ "$code" = 400 ] && grep -q 'as_of=2026-13-01 is not a date' "$tmp/r" || fail "a bad date: $code $(cat "$tmp/r")"
cp "$dir/v1.credo" "$dir/v1b.credo"
twice() { grep -q "v1b.credo: not loaded: policy verp effective 2026-01-01 is already served from .*v1.credo" "$tmp/err"; }
wait_for twice || fail "a second version on the same date was not refused"
rm "$dir/v1b.credo"

# ---- load: 8 connections, 20 reloads ----------------------------------------------
"$tmp/client" -p "$port" -c 4 -s "$tmp/stop" -u A "/v1/decide/verp?as_of=2026-03-01" "$tmp/body.json" \
    >"$tmp/a.out" 2>&1 &
cpids="$!"
"$tmp/client" -p "$port" -c 4 -s "$tmp/stop" -u B "/v1/decide/verp?as_of=2026-09-01" "$tmp/body.json" \
    >"$tmp/b.out" 2>&1 &
cpids="$cpids $!"
served() { curl -s "$url/v1/policies" | grep -q "\"version\":\"$1\""; }
k=1
while [ $k -le 20 ]; do
    mk verp "2.r$k" 2026-06-01 "$dir/.v2.tmp"
    mv "$dir/.v2.tmp" "$dir/v2.credo" || fail "rename"
    wait_for served "2.r$k" || fail "version 2.r$k not served after 20 s"
    k=$((k + 1))
done
touch "$tmp/stop"
for p in $cpids; do wait "$p" || fail "a client saw a failure: $(cat "$tmp/a.out" "$tmp/b.out")"; done
cpids=
reqs() { sed -n 's/^requests \([0-9]*\) failures 0 .*/\1/p' "$1"; }
na=$(reqs "$tmp/a.out"); nb=$(reqs "$tmp/b.out")
[ -n "$na" ] && [ -n "$nb" ] && [ "$na" -gt 0 ] && [ "$nb" -gt 0 ] || fail "clients: $(cat "$tmp/a.out" "$tmp/b.out")"
ok=$((na + nb))
arm() { n=$(sed -n "s/^version arm $2 \([0-9]*\)/\1/p" "$1"); echo "${n:-0}"; }
seen_chal=$(( $(arm "$tmp/a.out" challenger) + $(arm "$tmp/b.out" challenger) ))

# ---- the log -------------------------------------------------------------------------
q() { sqlite3 "$log" "$1"; }
rows=$(q "SELECT count(*) FROM decisions WHERE decided_by IN ('champion','challenger')")
shadows=$(q "SELECT count(*) FROM decisions WHERE decided_by = 'shadow'")
[ "$rows" = "$ok" ] || fail "$ok answers 200, but $rows champion and challenger rows in the log"
[ "$shadows" = "$ok" ] || fail "$ok answers 200, but $shadows shadow rows in the log"
wrong=$(q "SELECT count(*) FROM decisions d JOIN policies p ON p.id = d.policy
           WHERE json_extract(d.results, '\$.version') IS NOT p.version
              OR json_extract(d.results, '\$.sha256') IS NOT p.sha256")
[ "$wrong" = 0 ] || fail "$wrong rows do not name the version that answered"
early=$(q "SELECT group_concat(DISTINCT p.version) FROM decisions d JOIN policies p ON p.id = d.policy
           WHERE d.as_of = '2026-03-01' AND d.decided_by = 'champion'")
[ "$early" = 1.0 ] || fail "as of 2026-03-01 the champion must be 1.0, the log says $early"
late=$(q "SELECT count(DISTINCT p.version) FROM decisions d JOIN policies p ON p.id = d.policy
          WHERE d.as_of = '2026-09-01' AND d.decided_by = 'champion' AND p.version LIKE '2.r%'")
others=$(q "SELECT count(*) FROM decisions d JOIN policies p ON p.id = d.policy
            WHERE d.as_of = '2026-09-01' AND d.decided_by = 'champion' AND p.version NOT LIKE '2.r%'")
[ "$others" = 0 ] && [ "$late" -ge 10 ] ||
    fail "as of 2026-09-01: $late versions 2.rN answered (want at least 10 of the 21), $others rows of another"
chal=$(q "SELECT count(*) FROM decisions d JOIN policies p ON p.id = d.policy
          WHERE d.decided_by = 'challenger' AND p.version = 'c1'")
[ "$chal" = "$seen_chal" ] || fail "the clients saw $seen_chal challenger answers, the log has $chal"
[ $((chal * 100)) -ge $((ok * 4)) ] && [ $((chal * 100)) -le $((ok * 20)) ] ||
    fail "the challenger decided $chal of $ok, not about 10%"
# the access log names what answered: the challenger's lines name it and
# its version, and count the one application it decided
alines=$(grep -c '"policy":"verp_chal","version":"c1","challenger":1,"outcome":"[A-Z]*","status":200' "$tmp/access.jsonl")
[ "$alines" = "$seen_chal" ] ||
    fail "the clients saw $seen_chal challenger answers, the access log names the challenger on $alines lines"
champ=$(grep -c '"policy":"verp","version":"[0-9.r]*","challenger":0,"outcome":"[A-Z]*","status":200' "$tmp/access.jsonl")
[ "$champ" = $((ok - seen_chal)) ] ||
    fail "$((ok - seen_chal)) champion answers, $champ access log lines naming verp and its version"
sh_ok=$(q "SELECT count(*) FROM decisions d JOIN policies p ON p.id = d.policy
           WHERE d.decided_by = 'shadow' AND p.version = 's1'")
[ "$sh_ok" = "$ok" ] || fail "shadow rows not all by verp_shadow s1"

# ---- a log that cannot be written: 503, never 200 -------------------------------------
app=$(sed 's/@ID@/LOCKED-1/' "$tmp/body.json")
# another process holds the write lock for 6 s, longer than the log's 5 s wait
sqlite3 "$log" "BEGIN IMMEDIATE;" ".system touch $tmp/locked" ".system sleep 6" "COMMIT;" >/dev/null 2>&1 &
lock=$!
cpids=$lock
wait_for test -f "$tmp/locked" || fail "sqlite3 could not take the log's write lock"
code=$(curl -s -o "$tmp/r503" -w '%{http_code}' -d "$app" "$url/v1/decide/verp?as_of=2026-03-01")
[ "$code" = 503 ] && grep -q '"error":"the decision could not be logged: ' "$tmp/r503" ||
    fail "with the log locked: $code $(cat "$tmp/r503")"
wait "$lock"
cpids=
app=$(sed 's/@ID@/UNLOCKED-1/' "$tmp/body.json")
code=$(curl -s -o "$tmp/r200" -w '%{http_code}' -d "$app" "$url/v1/decide/verp?as_of=2026-03-01")
[ "$code" = 200 ] || fail "after the lock went: $code $(cat "$tmp/r200")"
[ "$(q "SELECT count(*) FROM decisions WHERE app_id = 'LOCKED-1'")" = 0 ] || fail "the 503 decision is in the log"
[ "$(q "SELECT count(*) FROM decisions WHERE app_id = 'UNLOCKED-1'")" = 2 ] || fail "the decision after it is not logged"

kill -TERM "$pid"
wait "$pid" || fail "credo serve did not exit 0 on SIGTERM"
pid=
grep -q "checkpoints signed" "$tmp/err" || fail "no signed checkpoint when stopping"
# the failure is said once on stderr, and so is the end of it
grep -q "cannot log decisions: .*; answering 503 until it can" "$tmp/err" && grep -q ": logging again$" "$tmp/err" ||
    fail "stderr does not say the log failed and came back: $(grep -v serving "$tmp/err" | tail -5)"
"$credo" audit "$log" verify --key "$tmp/log.key" --trust "$tmp/signer.pub" >"$tmp/verify" 2>&1 ||
    fail "audit verify: $(cat "$tmp/verify")"
echo "serve online: $ok answers 200 (8 connections, 20 reloads), $((ok * 2 + 2)) rows verified: one per answer and one shadow each, each naming its version (1.0 by date, $late versions 2.rN), challenger $chal; a locked log answers 503"
