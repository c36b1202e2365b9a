#!/bin/sh
# credo serve swaps in only what is whole and compiles, under load: a
# client decides two policies round and round over keep-alive while
#   1. halves.credo is rewritten in place in two halves with a 1.2 s pause
#      between (the first half, everything before `decide {`, compiles and
#      would answer REFER); every answer must be version 1's REFER or
#      version 2's APPROVE, never "2 REFER";
#   2. a broken version 3 is renamed into place: version 2 goes on serving,
#      and /v1/policies and /metrics give the error as file:line:col;
#   3. grade_rates.csv, a lookup's data file, is rewritten in place in two
#      halves with a pause (the first half lacks grade A): rates.credo is
#      compiled again with the new data, and grade A's rate is always the
#      old 1.5 or the new 1.75, never 0.
# No request may fail.  About 10 s.
. tests/golden/serve_common.inc
command -v python3 >/dev/null 2>&1 || fail "python3 is needed (.ci/run installs it)"
d=$tmp/reload
mkdir "$d"
cat >"$d/halves.credo" <<'POLICY'
policy halves "written in two halves" version "1"
input app { app_id: text, n: int }
admission {
  refer LOW when n < 10
}
POLICY
cat >"$tmp/halves2.credo" <<'POLICY'
policy halves "written in two halves" version "2"
input app { app_id: text, n: int }
admission {
  refer LOW when n < 10
}
decide {
  approve
}
POLICY
cat >"$d/rates.credo" <<'POLICY'
policy rates "a rate from a reference table" version "1"
input app { app_id: text, grade: text }
lookup grade_rates from csv "grade_rates.csv" key grade {
  rate: number
}
rate = grade_rates[grade].rate ?? 0
POLICY
printf 'grade,rate\nA,1.5\nB,2.5\n' >"$d/grade_rates.csv"
start_server "$d"
# served VERSION-PATTERN: /v1/policies shows it
served() { curl -s "$url/v1/policies" | grep -q "$1"; }
python3 tests/golden/serve_decide_loop.py "$port" "$tmp/stop" \
    'halves={"app_id":"h","n":5}' 'rates={"app_id":"r","grade":"A"}' >"$tmp/answers" &
loop=$!
bgpids=$loop
sleep 0.5
# write_in_halves FILE SOURCE MARK: FILE rewritten in place, everything
# before MARK first, then a pause, then the rest, in one open
write_in_halves() {
    python3 -c '
import sys, time
path, text, mark = sys.argv[1], open(sys.argv[2]).read(), sys.argv[3]
cut = text.index(mark)
with open(path, "w") as f:
    f.write(text[:cut]); f.flush()
    time.sleep(1.2)
    f.write(text[cut:])' "$@"
}
write_in_halves "$d/halves.credo" "$tmp/halves2.credo" "decide {" || fail "writing halves.credo"
wait_for served '"name":"halves","version":"2"' || fail "version 2 of halves is not served"
sed 's/version "2"/version "3"/; s/approve/approve when/' "$tmp/halves2.credo" >"$d/.halves.credo.new"
mv "$d/.halves.credo.new" "$d/halves.credo"
wait_for served '"newer_not_loaded":{"error":"' || fail "the broken version 3 is not reported"
curl -s "$url/v1/policies" >"$tmp/listing"
grep -q '"name":"halves","version":"2".*"newer_not_loaded":{"error":"[^"]*halves.credo:[0-9]*:[0-9]*: error: ' "$tmp/listing" ||
    fail "/v1/policies does not give the error as file:line:col: $(cat "$tmp/listing")"
curl -s "$url/metrics" | grep -q '^credo_policy_not_loaded{file="[^"]*halves.credo",serving="2",error="[^"]*halves.credo:[0-9]*:[0-9]*: error: ' ||
    fail "/metrics does not give the error"
printf 'grade,rate\nB,2.75\nA,1.75\n' >"$tmp/rates2.csv"
write_in_halves "$d/grade_rates.csv" "$tmp/rates2.csv" "A," || fail "writing grade_rates.csv"
n=0
until grep -q '"rates 1 APPROVE 1.75"' "$tmp/answers" 2>/dev/null; do
    # the loop's counts are printed when it stops: look at a decision directly
    curl -s -d '{"app_id":"r","grade":"A"}' "$url/v1/decide/rates" | grep -q '"rate":1.75' && break
    n=$((n + 1))
    [ $n -le 100 ] || fail "the new lookup data is not served"
    sleep 0.1
done
sleep 0.5
touch "$tmp/stop"
wait $loop
bgpids=
r=$(cat "$tmp/answers")
[ -n "$r" ] || fail "the client printed nothing"
python3 -c '
import json, sys
r = json.loads(sys.argv[1])
assert r["failed"] == 0, "failed requests: %d" % r["failed"]
h, g = r["answers"]["halves"], r["answers"]["rates"]
assert set(h) <= {"1 REFER -", "2 APPROVE -"}, "wrong answers of halves: %s" % h
assert set(g) <= {"1 APPROVE 1.5", "1 APPROVE 1.75"}, "wrong answers of rates: %s" % g
assert len(h) == 2 and len(g) == 2, "not both versions seen: %s" % r["answers"]
' "$r" || fail "$r"
grep -q "halves.credo:[0-9]*:[0-9]*: error" "$tmp/err" || fail "the broken version is not reported on stderr"
kill -TERM "$pid"; wait "$pid" || fail "credo serve did not exit 0"
pid=
echo "serve_reload: $(printf '%s' "$r" | tr -d '{}"' ) -- no half-written policy or data answered, the broken one reported"
