#!/bin/sh
# credo serve against slowloris: 2,000 connections from ten loopback
# addresses each send the start of a request and a header line every
# second, never finishing it (tests/golden/serve_slowloris.py), while
# /healthz is asked every 100 ms from 127.0.0.1.  With --timeout 3 and
# the default 64 connections per client address, the server must refuse
# what is past the per-address cap, shut the others down 3 s after they
# opened (a header line a second does not keep a connection alive), keep
# answering /healthz (median under 100 ms, none failed), count the drops
# in /metrics and print no line per dropped connection.  About 9 s.
. tests/golden/serve_common.inc
command -v python3 >/dev/null 2>&1 || fail "python3 is needed (.ci/run installs it)"
start_server --timeout 3 --threads 2 "$policies"
python3 tests/golden/serve_slowloris.py "$port" 2000 8 >"$tmp/out" || fail "the slowloris client failed"
r=$(cat "$tmp/out")
field() { printf '%s' "$r" | sed -n "s/.*\"$1\": \([0-9.a-z]*\).*/\1/p"; }
[ "$(field healthz_failed)" = 0 ] || fail "/healthz failed under attack: $r"
[ "$(field healthz_ok)" -ge 20 ] || fail "too few /healthz answers: $r"
awk -v m="$(field healthz_median_ms)" 'BEGIN { exit !(m < 100) }' || fail "/healthz median over 100 ms: $r"
[ "$(field slow_still_open)" = 0 ] || fail "slow connections outlived the deadline: $r"
awk -v l="$(field longest_lived_s)" 'BEGIN { exit !(l >= 2.5 && l < 6) }' || fail "a slow connection lived $(field longest_lived_s) s, not about 3: $r"
curl -s "$url/metrics" >"$tmp/metrics" || fail "/metrics"
deadline=$(sed -n 's/^credo_connections_dropped_total{reason="deadline"} //p' "$tmp/metrics")
limit=$(sed -n 's/^credo_connections_dropped_total{reason="limit"} //p' "$tmp/metrics")
[ "$deadline" -ge 600 ] && [ "$limit" -ge 1000 ] && [ $((deadline + limit)) -ge 2000 ] ||
    fail "/metrics counts $deadline dropped by the deadline and $limit by the limit, of 2000"
lines=$(wc -l <"$tmp/err")
[ "$lines" -le 6 ] || fail "$lines lines on stderr for 2000 dropped connections"
kill -TERM "$pid"; wait "$pid" || fail "credo serve did not exit 0"
pid=
echo "serve_slowloris: 2000 slow connections ($limit refused by the per-address cap, $deadline cut at the 3 s deadline); /healthz answered $(field healthz_ok) times, median $(field healthz_median_ms) ms, max $(field healthz_max_ms) ms; $lines stderr lines"
