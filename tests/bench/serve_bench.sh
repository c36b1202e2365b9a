#!/bin/sh
# credo serve under loopback load: requests per second and latency
# percentiles.  Usage, from the project root after `make`:
#     sh tests/bench/serve_bench.sh [BUILD]
#
# Starts BUILD/credo serve on a free port with policies/sme_tax_loan.credo
# and drives it with wrk when it is installed, else with
# tests/bench/serve_client.c (built into BUILD/bench/), in three rows:
#   one      one application per request, SERVE_CONNS keep-alive connections
#   batch    an array of SERVE_BATCH applications per request (apps/s = req/s x batch)
#   connect  one application per request, a new connection each time (our client only)
# then, with our client and an app_id of its own in every application
# (-u), without a log and with --log (a new log each time):
#   one application and SERVE_BATCH per request over SERVE_CONNS connections;
#   one application per request over SERVE_LOG_CONNS (256) connections,
#   SERVE_ROUNDS (3) times each, alternating, and the medians: without a
#   log, with --log and app_ids numbered in the order the requests are made
#   (serve_client -U, as an origination system numbers its applications),
#   and with --log and app_ids by connection (-u: each new row lands in a
#   scattered place of the log's index on app_id, so each commit writes
#   about one index page per row; the cost of random ids such as UUIDs).
#   The share of the plain rate that --log keeps is taken there.
# Why 256 for that comparison: with --log a request is answered only
# after the fsync of the commit that holds it, so the rate is at most the
# requests in flight divided by a commit's time (1 to 3 ms, its fsync
# included, on the disk this was measured on).  16 callers cannot get past
# 16 per commit time, whatever the server does.  A decision service is called by a
# loan-origination system serving many channels (web, app, branch,
# partners) at once: a few hundred applications in flight is an ordinary
# busy hour for one instance, and the server holds no thread for a request
# waiting for its commit.  Each log written is verified (credo audit
# verify) and must hold one row per 200 answered.
# After each row of our client, the server's CPU time (user and system,
# from /proc) per request answered, and for the 256-connection rounds its
# median with and without --log.
# The client runs on the same machine and takes CPU from the server: on a
# small machine the figures are the pair's, not the server's alone.  Like
# the rest of make bench, it reports and never fails on a time.
#
# Knobs (environment): SERVE_SECONDS per row (5), SERVE_CONNS (16), SERVE_LOG_CONNS (256),
# SERVE_ROUNDS (3), SERVE_THREADS server threads (default: the server's, one per CPU),
# SERVE_BATCH (100).
set -u
BUILD=${1:-build}
OUT=$BUILD/bench
SECONDS_PER_ROW=${SERVE_SECONDS:-5}
CONNS=${SERVE_CONNS:-16}
BATCH=${SERVE_BATCH:-100}
LOG_CONNS=${SERVE_LOG_CONNS:-256}
ROUNDS=${SERVE_ROUNDS:-3}
CC=${CC:-cc}
credo=$BUILD/credo

[ -x "$credo" ] || { echo "serve_bench: $credo missing; run make first" >&2; exit 1; }
mkdir -p "$OUT" || exit 1
$CC -std=c11 -O2 -g -pthread -D_POSIX_C_SOURCE=200809L -D_DEFAULT_SOURCE -Wall -Wextra \
    -o "$OUT/serve_client" tests/bench/serve_client.c || exit 1

tmp=$(mktemp -d)
pid=
cleanup() {
    [ -n "$pid" ] && kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null
    rm -rf "$tmp"
}
trap cleanup EXIT
mkdir "$tmp/policies" && cp policies/sme_tax_loan.credo "$tmp/policies/" || exit 1
head -1 tests/reference/applicants.jsonl >"$tmp/one.json"
{ printf '['; head -"$BATCH" tests/reference/applicants.jsonl | paste -s -d, -; printf ']'; } >"$tmp/batch.json"
# the same with an app_id of its own in every request (serve_client -u): a
# decision log records each, where it would skip a decision logged before
sed 's/"app_id":"[^"]*"/"app_id":"@ID@"/' "$tmp/one.json" >"$tmp/one_u.json"
sed 's/"app_id":"[^"]*"/"app_id":"@ID@"/g' "$tmp/batch.json" >"$tmp/batch_u.json"

threads=
[ -n "${SERVE_THREADS:-}" ] && threads="--threads $SERVE_THREADS"
# start_server [OPTIONS]: credo serve on a free port, $pid and $port set
start_server() {
    # emptied here: the server's own redirection happens in the child, and
    # until then the file would still name the port of the server before
    : >"$tmp/err"
    # shellcheck disable=SC2086
    "$credo" serve --port 0 --as-of 2026-12-01 --max-connections-per-ip $((LOG_CONNS + 16)) $threads "$@" \
        "$tmp/policies" 2>"$tmp/err" &
    pid=$!
    port=
    n=0
    while [ -z "$port" ]; do
        port=$(sed -n 's|^credo serve: listening on http://127\.0\.0\.1:\([0-9]*\)/.*|\1|p' "$tmp/err")
        [ -n "$port" ] && break
        n=$((n + 1))
        if [ $n -gt 100 ] || ! kill -0 "$pid" 2>/dev/null; then
            echo "serve_bench: credo serve did not start:" >&2
            cat "$tmp/err" >&2
            exit 1
        fi
        sleep 0.1
    done
}
stop_server() {
    kill "$pid"
    wait "$pid"
    pid=
}
start_server
url=http://127.0.0.1:$port/v1/decide/sme_tax_loan

# wrk ROW BODY: wrk's own summary, with latency percentiles
with_wrk() {
    cat >"$tmp/post.lua" <<LUA
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
local f = io.open("$2", "rb")
wrk.body = f:read("*a")
f:close()
LUA
    echo "== $1 (wrk, $CONNS connections, ${SECONDS_PER_ROW}s)"
    wrk -t2 -c"$CONNS" -d"${SECONDS_PER_ROW}s" --latency -s "$tmp/post.lua" "$url" |
        grep -E 'Requests/sec|Latency|50%|75%|90%|99%'
}

# the server's CPU time so far (user and system), in clock ticks
hz=$(getconf CLK_TCK 2>/dev/null || echo 100)
cpu_ticks() { awk '{print $14 + $15}' "/proc/$pid/stat" 2>/dev/null || echo 0; }

# ours ROW BODY [CLIENT OPTIONS]: the client's summary, then the
# server's CPU time per request answered over the row
with_client() {
    row=$1
    body=$2
    shift 2
    echo "== $row (serve_client, ${SECONDS_PER_ROW}s $*)"
    c0=$(cpu_ticks)
    "$OUT/serve_client" -p "$port" -d "$SECONDS_PER_ROW" "$@" /v1/decide/sme_tax_loan "$body" |
        grep -v '^version ' >"$tmp/row.out"
    c1=$(cpu_ticks)
    cat "$tmp/row.out"
    n=$(sed -n 's/^requests \([0-9]*\) .*/\1/p' "$tmp/row.out")
    [ -n "$n" ] && [ "$n" -gt 0 ] &&
        awk -v t=$((c1 - c0)) -v hz="$hz" -v n="$n" 'BEGIN {printf "server CPU %.1f us per request\n", t * 1e6 / hz / n}'
}

echo "credo serve: $(sed -n 's/^credo serve: listening on [^ ]* //p' "$tmp/err"); $(nproc 2>/dev/null || echo '?') CPUs shared with the client"
if command -v wrk >/dev/null 2>&1; then
    with_wrk "one application per request" "$tmp/one.json"
    with_wrk "$BATCH applications per request" "$tmp/batch.json"
else
    with_client "one application per request" "$tmp/one.json" -c "$CONNS"
    with_client "$BATCH applications per request" "$tmp/batch.json" -c "$CONNS"
fi
with_client "one application, a new connection per request" "$tmp/one.json" -c 4 -C
echo "(applications per second in the batch row: its req/s times $BATCH)"

# With and without --log, every application a new one (-u), the same client.
rate() { sed -n 's/^requests [0-9]* failures [0-9]* seconds [0-9.]* req\/s \([0-9]*\).*/\1/p' "$1"; }
# the answers 200 of a client run (its failures are counted apart)
answered() { sed -n 's/^requests \([0-9]*\) .*/\1/p' "$1" | grep . || echo 0; }
median() { sort -n | awk '{v[NR] = $1} END {if (NR) print v[int((NR + 1) / 2)]}'; }
logs=0
failed=0
# logged NAME: stops the server and checks its log NAME.db: it verifies,
# and it holds one row per 200 answered (the sum of the client runs' $tmp/NAME.*.out)
logged() {
    stop_server
    n=$(sed -n 's/.*: \([0-9]*\) decisions logged in.*/\1/p' "$tmp/err")
    c=$(sed -n 's/.*decisions logged in \([0-9]*\) commits.*/\1/p' "$tmp/err")
    want=0
    for f in "$tmp/$1".*.out; do want=$((want + $(answered "$f"))); done
    if "$credo" audit "$tmp/$1.db" verify >/dev/null 2>&1 && [ "$n" = "$want" ]; then
        logs=$((logs + 1))
    else
        failed=$((failed + 1))
        echo "serve_bench: the log $1.db: $n rows for $want answers 200, or credo audit verify failed"
    fi
    echo "$n $c" >"$tmp/$1.commits"
}

with_client "no log: one application per request, unique app_ids" "$tmp/one_u.json" -c "$CONNS" -u P
with_client "no log: $BATCH applications per request, unique app_ids" "$tmp/batch_u.json" -c "$CONNS" -u Q
stop_server
start_server --log "$tmp/small.db"
with_client "--log: one application per request, unique app_ids" "$tmp/one_u.json" -c "$CONNS" -u L |
    tee "$tmp/small.1.out"
with_client "--log: $BATCH applications per request, unique app_ids" "$tmp/batch_u.json" -c "$CONNS" -u M |
    tee "$tmp/small.2.out" | sed "s/^requests \([0-9]*\)/requests \1 (x $BATCH decisions)/"
# the batch row's answers are BATCH rows each
sed -i "s/^requests \([0-9]*\)/requests $(($(answered "$tmp/small.2.out") * BATCH))/" "$tmp/small.2.out"
logged small
small=$(cat "$tmp/small.commits")
echo "(the --log rows over $CONNS connections: ${small% *} decisions in ${small#* } commits)"

: >"$tmp/plain.rates"
: >"$tmp/logged.rates"
: >"$tmp/scattered.rates"
# log_round NAME TAGOPT TAG TITLE: one --log run over LOG_CONNS connections into a new log NAME.db
log_round() {
    start_server --log "$tmp/$1.db"
    with_client "--log: one application per request, $LOG_CONNS connections, $4" "$tmp/one_u.json" \
        -c "$LOG_CONNS" "$2" "$3" | tee "$tmp/$1.1.out"
    logged "$1"
}
for i in $(seq "$ROUNDS"); do
    start_server
    with_client "no log: one application per request, $LOG_CONNS connections, round $i" "$tmp/one_u.json" \
        -c "$LOG_CONNS" -U "R$i" | tee "$tmp/plain.$i.out"
    stop_server
    rate "$tmp/plain.$i.out" >>"$tmp/plain.rates"
    log_round "big$i" -U "S$i" "app_ids in arrival order, round $i"
    rate "$tmp/big$i.1.out" >>"$tmp/logged.rates"
    cat "$tmp/big$i.1.out" >>"$tmp/ordered.cpu"
    cat "$tmp/big$i.commits" >>"$tmp/commits"
    # seconds of the run, for commits per second
    sed -n 's/^requests [0-9]* failures [0-9]* seconds \([0-9.]*\).*/\1/p' "$tmp/big$i.1.out" >>"$tmp/seconds"
    log_round "scattered$i" -u "T$i" "app_ids by connection (scattered), round $i"
    rate "$tmp/scattered$i.1.out" >>"$tmp/scattered.rates"
    cat "$tmp/scattered$i.1.out" >>"$tmp/scattered.cpu"
    cat "$tmp/scattered$i.commits" >>"$tmp/scattered.commits"
    sed -n 's/^requests [0-9]* failures [0-9]* seconds \([0-9.]*\).*/\1/p' "$tmp/scattered$i.1.out" \
        >>"$tmp/scattered.seconds"
done
plain=$(median <"$tmp/plain.rates")
# share NAME TITLE: the median of NAME.rates against the plain one, and the log's commits
share() {
    r=$(median <"$tmp/$1.rates")
    [ -n "$plain" ] && [ -n "$r" ] && [ "$plain" -gt 0 ] || return 0
    echo "--log, one application per request, $LOG_CONNS connections, $2: median $r req/s," \
        "$((r * 100 / plain))% of the median $plain without it ($ROUNDS rounds each;" \
        "runs: $(paste -s -d' ' "$tmp/$1.rates") against $(paste -s -d' ' "$tmp/plain.rates"))"
    cpu_of() { sed -n 's/^server CPU \([0-9.]*\) us per request/\1/p' "$@" | median; }
    echo "    the server's CPU per request: median $(cpu_of "$tmp"/"$3".cpu) us with --log," \
        "$(cpu_of "$tmp"/plain.*.out) us without it"
    paste -d' ' "$tmp/$3.commits" "$tmp/$3.seconds" | awk '{d += $1; c += $2; s += $3}
        END {if (c && s) printf "    the log: %.0f commits/s (an fsync each) x %.0f decisions per commit\n", c / s, d / c}'
}
cp "$tmp/commits" "$tmp/ordered.commits"
cp "$tmp/seconds" "$tmp/ordered.seconds"
share logged "app_ids in arrival order" ordered
share scattered "app_ids by connection (scattered)" scattered
echo "$logs logs written under load verify, each with one row per answer 200; $failed do not"
