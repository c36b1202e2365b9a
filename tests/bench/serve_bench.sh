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
# The client runs on the same machine and takes CPU from the server: on a
# small machine the figures are the pair's, not the server's alone.  Like
# the rest of make bench, it reports and never fails on a time.
#
# Knobs (environment): SERVE_SECONDS per row (5), SERVE_CONNS (16),
# SERVE_THREADS server threads (default: the server's, one per CPU),
# SERVE_BATCH (100).
set -u
BUILD=${1:-build}
OUT=$BUILD/bench
SECONDS_PER_ROW=${SERVE_SECONDS:-5}
CONNS=${SERVE_CONNS:-16}
BATCH=${SERVE_BATCH:-100}
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

threads=
[ -n "${SERVE_THREADS:-}" ] && threads="--threads $SERVE_THREADS"
# shellcheck disable=SC2086
"$credo" serve --port 0 --as-of 2026-12-01 $threads "$tmp/policies" 2>"$tmp/err" &
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

# ours ROW BODY [CLIENT OPTIONS]
with_client() {
    row=$1
    body=$2
    shift 2
    echo "== $row (serve_client, ${SECONDS_PER_ROW}s $*)"
    "$OUT/serve_client" -p "$port" -d "$SECONDS_PER_ROW" "$@" /v1/decide/sme_tax_loan "$body" | grep -v '^version '
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
kill "$pid"
wait "$pid"
pid=
