#!/bin/sh
# credo serve refuses every size or count option past its documented
# maximum (and below its minimum, and what is not a number) with a clear
# error and exit status 2, before it listens; options that go together
# must come together; a token file with a bad line is refused naming
# file:line (exit 1).
. tests/golden/serve_common.inc
# refused ARGS... EXPECTED-MESSAGE: exit 2 and that exact message
refused() {
    want=$(eval "echo \"\${$#}\"")
    n=$(($# - 1))
    args=
    i=0
    for a in "$@"; do
        i=$((i + 1))
        [ $i -le $n ] && args="$args $a"
    done
    # shellcheck disable=SC2086
    "$credo" serve $args "$policies" >"$tmp/out" 2>&1 </dev/null
    rc=$?
    [ $rc = 2 ] || fail "credo serve$args exited $rc, not 2"
    got=$(head -1 "$tmp/out")
    [ "$got" = "$want" ] || fail "credo serve$args said: $got; want: $want"
    count=$((count + 1))
}
count=0
refused --max-body 99999999999 "credo serve: --max-body 99999999999 is more than the maximum, 268435456"
refused --max-body 0 "credo serve: --max-body 0 must be at least 1"
refused --max-body 99999999999999999999999 "credo serve: --max-body 99999999999999999999999 is more than the maximum, 268435456"
refused --max-body 10M "credo serve: --max-body 10M is not a whole number"
refused --threads 257 "credo serve: --threads 257 is more than the maximum, 256"
refused --threads -1 "credo serve: --threads -1 is not a whole number"
refused --timeout 3601 "credo serve: --timeout 3601 is more than the maximum, 3600"
refused --grace 3601 "credo serve: --grace 3601 is more than the maximum, 3600"
refused --max-batch 1000001 "credo serve: --max-batch 1000001 is more than the maximum, 1000000"
refused --max-connections 65537 "credo serve: --max-connections 65537 is more than the maximum, 65536"
refused --max-connections-per-ip 0 "credo serve: --max-connections-per-ip 0 must be at least 1"
refused --max-connections-per-ip 65537 "credo serve: --max-connections-per-ip 65537 is more than the maximum, 65536"
refused --port 65536 "credo serve: --port 65536 is more than the maximum, 65535"
refused --tls-cert x.pem "credo serve: --tls-cert and --tls-key go together"
refused --open-route /metrics "credo serve: --open-route needs --tokens (without it every route is open)"
refused --tokens t --open-route metrics "credo serve: --open-route metrics: a path starts with /"
printf '# comment\n%s ok\nnot-a-hash someone\n' "$(printf 0%.0s $(seq 64))" >"$tmp/tokens"
"$credo" serve --tokens "$tmp/tokens" "$policies" 2>"$tmp/out" </dev/null
[ $? = 1 ] || fail "a bad token file is not refused with exit 1"
grep -qx "credo serve: $tmp/tokens:3: expected the SHA-256 of a token (64 hex digits), then its name" "$tmp/out" ||
    fail "the bad token line is not named: $(cat "$tmp/out")"
echo "serve_options: $count out-of-range or unpaired options refused with exit 2 and a clear message; a bad token file named by file:line"
