#!/bin/sh
# credo serve with as many busy connections as one server thread's event
# loop takes in one wait: 128 keep-alive connections per thread (one
# thread, then two), each posting an application again as soon as it is
# answered, for 2 s.  libmicrohttpd's epoll loop (0.9.75, Debian's)
# waits again, with the whole connection timeout, after a wait that
# returned exactly 128 events, leaving those 128 connections unserved
# meanwhile: every client then hung until --timeout closed its
# connection.  credo serve runs libmicrohttpd's poll() loop, which has no
# such limit.  Every request must be answered and no connection fail;
# with --timeout 5, a stall fails them.  About 5 s.
. tests/golden/serve_common.inc
cc=${CC:-cc}
"$cc" -std=c11 -O2 -pthread -D_POSIX_C_SOURCE=200809L -D_DEFAULT_SOURCE -o "$tmp/client" tests/bench/serve_client.c ||
    fail "tests/bench/serve_client.c does not build"
printf '%s\n' "$app" >"$tmp/one.json"
for threads in 1 2; do
    conns=$((128 * threads))
    start_server --threads $threads --timeout 5 --max-connections-per-ip 300 "$policies"
    "$tmp/client" -p "$port" -c $conns -d 2 /v1/decide/sme_tax_loan "$tmp/one.json" >"$tmp/out" 2>&1 ||
        fail "$threads threads: the client failed: $(cat "$tmp/out")"
    line=$(grep '^requests' "$tmp/out")
    n=$(printf '%s' "$line" | sed -n 's/^requests \([0-9]*\) failures \([0-9]*\) .*/\1/p')
    failures=$(printf '%s' "$line" | sed -n 's/^requests \([0-9]*\) failures \([0-9]*\) .*/\2/p')
    [ "$failures" = 0 ] || fail "$threads threads, $conns connections: $line"
    [ "$n" -ge 1000 ] || fail "$threads threads, $conns connections: only $n requests answered in 2 s: $line"
    kill -TERM "$pid"; wait "$pid" || fail "credo serve did not exit 0"
    pid=
    echo "serve_many_connections: $threads threads, $conns connections: $n requests, no failure"
done
