#!/bin/sh
# SIGTERM with requests in flight, --grace 3: an array of 4,500 costly
# applications (several seconds of deciding) is answered 503 when the
# grace period ends, not finished; a request whose body is still arriving
# when the signal comes and ends about 1.5 s later is answered 200; a new
# connection after the signal is refused; the server exits 0 within
# grace + 1 s of the signal.
. tests/golden/serve_common.inc
command -v python3 >/dev/null 2>&1 || fail "python3 is needed (.ci/run installs it)"
slow=$tmp/slow
mkdir "$slow"
cat >"$slow/slow.credo" <<'POLICY'
policy slow "about a million instructions an application"
input app { app_id: text, xs: list of int }
busy = count a in xs where (count b in xs where b > a) > 10
admission {
  refer FEW when busy < 5
}
POLICY
python3 -c '
import json
xs = [i % 10 for i in range(400)]
print("[" + ",".join(json.dumps({"app_id": "A%d" % i, "xs": xs}) for i in range(4500)) + "]")' >"$tmp/batch.json"
python3 -c 'import json; print(json.dumps({"app_id": "B", "xs": [1, 2, 3]}))' >"$tmp/one.json"
start_server --grace 3 --threads 3 --max-batch 5000 "$slow"
curl -s -H Expect: -o "$tmp/batch.out" -w '%{http_code}' --data-binary "@$tmp/batch.json" "$url/v1/decide/slow" >"$tmp/batch.code" &
bgpids=$!
sleep 2          # its body is in, the array is being decided: the next connection goes to another thread
python3 tests/golden/serve_slow_body.py "$port" /v1/decide/slow "$tmp/one.json" 2 >"$tmp/slowbody.code" 2>"$tmp/sent" &
bgpids="$bgpids $!"
wait_for grep -q sent "$tmp/sent" || fail "the slow body's first half was not sent"
sleep 0.5        # its headers are taken
t0=$(date +%s.%N)
kill -TERM "$pid"
wait_for grep -q "SIGTERM: finishing" "$tmp/err" || fail "SIGTERM not taken"
code=$(curl -s -m 3 -o /dev/null -w '%{http_code}' "$url/healthz")
[ "$code" = 000 ] || fail "a new connection after SIGTERM was answered $code"
wait "$pid"
rc=$?
t1=$(date +%s.%N)
pid=
[ $rc = 0 ] || fail "credo serve exited $rc after SIGTERM"
took=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.2f", b - a }')
awk -v t="$took" 'BEGIN { exit !(t <= 4.2) }' || fail "exited $took s after SIGTERM, more than grace + 1 s"
wait
[ "$(cat "$tmp/batch.code")" = 503 ] || fail "the long array got $(cat "$tmp/batch.code"), not 503: $(head -c 300 "$tmp/batch.out")"
grep -q '"error":"the server is stopping' "$tmp/batch.out" || fail "the 503 does not say why"
[ "$(cat "$tmp/slowbody.code")" = 200 ] || fail "the request finished within the grace period got $(cat "$tmp/slowbody.code")"
grep -q "answering them 503" "$tmp/err" || fail "stderr does not say requests were cut"
echo "serve_sigterm: --grace 3: the request finished in time 200, the long one 503, new connections refused, exit 0 after $took s"
