#!/bin/sh
# credo serve refuses what a proxy in front of it could read another way
# (request smuggling) and paths with control characters, over raw
# sockets (tests/golden/serve_raw.py): two Content-Length headers, equal
# or not, a list in one, Content-Length with Transfer-Encoding (either
# order), two Transfer-Encodings are each a 400 and the connection is
# closed, so the request hidden behind is never answered; a well-framed
# request followed by a second one gets both answered (200, then 404 for the second one's unknown route).  A path
# with %00, %1b, %7f or a raw control byte is a 404 (not the policy
# without it), while %5f (an underscore) still names the policy.
. tests/golden/serve_common.inc
command -v python3 >/dev/null 2>&1 || fail "python3 is needed (.ci/run installs it)"
start_server --as-of 2026-12-01 "$policies"
python3 tests/golden/serve_raw.py "$port" "$app" >"$tmp/got" || fail "the raw client failed"
printf '%s\n' \
    "plain	200 404" \
    "chunked	200 404" \
    "two-equal-content-length	400" \
    "two-content-length	400" \
    "content-length-list	400" \
    "content-length-and-chunked	400" \
    "chunked-and-content-length	400" \
    "two-transfer-encoding	400" \
    "nul-in-path	404" \
    "nul-in-path-get	404" \
    "escape-in-path	404" \
    "raw-control-in-path	404" \
    "del-in-path	404" \
    "escaped-name	200" >"$tmp/want"
diff "$tmp/want" "$tmp/got" >"$tmp/diff" || fail "statuses differ (want, got): $(cat "$tmp/diff")"
curl -s "http://127.0.0.1:$port/metrics" | grep -q '^credo_errors_total{code="400"} 5$' || fail "/metrics does not count the 400s"
kill -TERM "$pid"; wait "$pid" || fail "credo serve did not exit 0"
pid=
echo "serve_smuggling: 6 ambiguous framings are 400 with the smuggled request unanswered; 5 control characters in the path are 404"
