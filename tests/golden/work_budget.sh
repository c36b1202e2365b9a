#!/bin/sh
# Built-ins count their work against the instruction budget (README.md,
# "What the budget counts"): a built-in, a comparison of long texts, `in`
# and joining texts inside a loop over a 100,000-item list each end in
# `instruction budget ... exceeded` for that application, at once, while
# the next application is decided as before.  Then the deadline:
# `--deadline-ms` stops a decision that is within its budget but runs too
# long, naming the limit, in `credo run` and `credo serve`, and its
# option's bounds.  Each credo runs under 10 s of CPU (ulimit -t), so a
# regression fails instead of running for minutes.
set -u
LC_ALL=C
export LC_ALL
credo=${CREDO:-build/credo}
tmp=$(mktemp -d)
pid=
cleanup() {
    [ -n "$pid" ] && kill -9 "$pid" 2>/dev/null
    rm -rf "$tmp"
}
trap cleanup EXIT
fail() { echo "work_budget: $*"; exit 1; }
bounded() { sh -c 'ulimit -t 10; exec "$@"' sh "$@"; }

# one application with 100,000 months and a 64 KiB name, then a small one
awk 'BEGIN { printf "{\"app_id\":\"HUGE\",\"name\":\""; for (i = 0; i < 65536; i++) printf "a";
             printf "\",\"sales\":["; for (i = 0; i < 100000; i++) printf "%s%d", (i ? "," : ""), i % 97; printf "]}\n" }' >"$tmp/apps.jsonl"
echo '{"app_id":"SMALL","name":"ab","sales":[1,2,3]}' >>"$tmp/apps.jsonl"

# expect NAME EXPR WANT_ERROR WANT_SMALL [OPTIONS...]: the policy `r = EXPR`
# stops the huge application with WANT_ERROR and decides the small one as
# r = WANT_SMALL
expect() {
    name=$1 expr=$2 want=$3 small=$4
    shift 4
    printf 'policy %s\ninput app {\n  app_id: text\n  name: text\n  sales: list of money\n}\nr = %s\n' "$name" "$expr" >"$tmp/$name.credo"
    bounded "$credo" run --as-of 2026-12-01 "$@" "$tmp/$name.credo" "$tmp/apps.jsonl" >"$tmp/out" 2>"$tmp/err"
    rc=$?
    [ $rc -eq 3 ] || fail "$name: exit $rc, not 3: $(head -c 300 "$tmp/err")"
    [ "$(sed -n 1p "$tmp/out")" = "{\"app_id\":\"HUGE\",\"line\":1,\"decision\":\"ERROR\",\"error\":\"$tmp/$name.credo:$want\"}" ] ||
        fail "$name: the huge application gave
$(sed -n 1p "$tmp/out" | cut -c1-300)
want the error $want"
    [ "$(sed -n 2p "$tmp/out")" = "{\"app_id\":\"SMALL\",\"decision\":\"APPROVE\",\"reasons\":[],\"r\":$small}" ] ||
        fail "$name: the small application gave $(sed -n 2p "$tmp/out")"
}
budget="instruction budget of 1000000 exceeded (in r)"
# 10^10 additions before: 16 s for the one application
expect sum 'count x in sales where sum(sales) > x' "7:28: $budget" 3
expect avg_stdev 'count x in sales where stdev(sales) > x' "7:28: $budget" 0
expect max 'count x in sales where max(sales) > x' "7:28: $budget" 2
expect member 'count x in sales where x in sales' "7:28: $budget" 3
expect upper 'count x in sales where len(upper(name)) > 0' "7:32: $budget" 3
expect contains 'count x in sales where contains(name, "b")' "7:28: $budget" 3
expect compare 'count x in sales where name == lower(name)' "7:28: $budget" 3
expect join 'count x in sales where len(name + name) > 0' "7:28: $budget" 3
expect matching 'count x in sales where name matches /^a+$/' "7:28: $budget" 0
# the example of lang/README.md, "Guaranteed termination", as written there
printf 'policy over_mean\ninput app {\n  app_id: text\n  monthly_sales: list of money\n}\nover_mean = count m in monthly_sales where m > sum(monthly_sales) / 12\n' >"$tmp/over_mean.credo"
sed 's/"sales"/"monthly_sales"/' "$tmp/apps.jsonl" >"$tmp/months.jsonl"
bounded "$credo" run --as-of 2026-12-01 "$tmp/over_mean.credo" "$tmp/months.jsonl" >"$tmp/out" 2>"$tmp/err"
[ "$(cat "$tmp/out")" = "{\"app_id\":\"HUGE\",\"line\":1,\"decision\":\"ERROR\",\"error\":\"$tmp/over_mean.credo:6:48: instruction budget of 1000000 exceeded (in over_mean)\"}
{\"app_id\":\"SMALL\",\"decision\":\"APPROVE\",\"reasons\":[],\"over_mean\":3}" ] || fail "lang/README.md's example: $(cut -c1-300 "$tmp/out")"
# a mean computed once is reused: 100,000 items once, then one per item
# (awk: 50,512 of the months are above their mean, 47.9969)
printf 'policy reuse\ninput app {\n  app_id: text\n  sales: list of money\n}\nr = count x in sales where x > avg(sales)\n' >"$tmp/reuse.credo"
bounded "$credo" run --as-of 2026-12-01 "$tmp/reuse.credo" "$tmp/apps.jsonl" >"$tmp/out" 2>"$tmp/err" ||
    fail "avg reused: $(head -c 300 "$tmp/err") $(head -c 300 "$tmp/out")"
[ "$(sed -n 1p "$tmp/out")" = '{"app_id":"HUGE","decision":"APPROVE","reasons":[],"r":50512}' ] ||
    fail "avg reused: $(sed -n 1p "$tmp/out")"
# explain shows the count with the work: 3 items of sum beyond 1 + ...
printf 'policy counted\ninput app {\n  app_id: text\n  sales: list of money\n}\nr = sum(sales)\n' >"$tmp/counted.credo"
bounded "$credo" run --explain --as-of 2026-12-01 "$tmp/counted.credo" "$tmp/apps.jsonl" >"$tmp/out" 2>"$tmp/err" ||
    fail "explain: $(head -c 300 "$tmp/err")"
sed -n 2p "$tmp/out" | grep -q '"r":6,.*"instructions":[0-9]*}}$' || fail "explain: $(sed -n 2p "$tmp/out")"
small=$(sed -n 2p "$tmp/out" | sed 's/.*"instructions":\([0-9]*\)}}$/\1/')
huge=$(sed -n 1p "$tmp/out" | sed 's/.*"instructions":\([0-9]*\)}}$/\1/')
[ "$((huge - small))" -eq 99997 ] || fail "explain: sum of 100,000 items counted $huge, of 3 items $small"
# a policy without loops runs in the loop that does not count
# instructions; it must end each application as the loop that counts
# (explain's) does: at a budget of exactly the count explain shows, the
# huge application decides, at one less it is stopped
printf 'policy twice\ninput app {\n  app_id: text\n  sales: list of money\n}\na = sum(sales)\nb = sum(sales[1..-1])\n' >"$tmp/twice.credo"
bounded "$credo" run --explain --as-of 2026-12-01 "$tmp/twice.credo" "$tmp/apps.jsonl" >"$tmp/out" 2>"$tmp/err" ||
    fail "two sums, explained: $(head -c 300 "$tmp/err")"
n=$(sed -n 1p "$tmp/out" | sed 's/.*"instructions":\([0-9]*\)}}$/\1/')
small=$(sed -n 2p "$tmp/out" | sed 's/.*"instructions":\([0-9]*\)}}$/\1/')
[ "$((n - small))" -eq 199994 ] || fail "two sums: counted $n for 100,000 and 99,999 items, $small for 3 and 2"
bounded "$credo" run --budget "$n" --as-of 2026-12-01 "$tmp/twice.credo" "$tmp/apps.jsonl" >"$tmp/out" 2>"$tmp/err" ||
    fail "two sums within $n: $(sed -n 1p "$tmp/out" | cut -c1-300)"
[ "$(sed -n 1p "$tmp/out")" = '{"app_id":"HUGE","decision":"APPROVE","reasons":[],"a":4799685,"b":4799685}' ] ||
    fail "two sums within $n: $(sed -n 1p "$tmp/out" | cut -c1-300)"
bounded "$credo" run --budget "$((n - 1))" --as-of 2026-12-01 "$tmp/twice.credo" "$tmp/apps.jsonl" >"$tmp/out" 2>"$tmp/err"
sed -n 1p "$tmp/out" | grep -q "\"error\":\"$tmp/twice.credo:[0-9:]*: instruction budget of $((n - 1)) exceeded" ||
    fail "two sums over $((n - 1)): $(sed -n 1p "$tmp/out" | cut -c1-300)"
[ "$(sed -n 2p "$tmp/out")" = '{"app_id":"SMALL","decision":"APPROVE","reasons":[],"a":6,"b":5}' ] ||
    fail "two sums, the small one: $(sed -n 2p "$tmp/out")"

# ---- the deadline ------------------------------------------------------------------
# every pair of 100,000 months (10^10 steps) under the largest budget: only
# the deadline stops it
printf 'policy pairs\ninput app {\n  app_id: text\n  sales: list of money\n}\nr = count x in sales where (count y in sales where y > x) > 0\n' >"$tmp/pairs.credo"
bounded "$credo" run --budget 1000000000 --deadline-ms 50 --as-of 2026-12-01 "$tmp/pairs.credo" "$tmp/apps.jsonl" >"$tmp/out" 2>"$tmp/err"
rc=$?
[ $rc -eq 3 ] || fail "deadline: exit $rc: $(head -c 300 "$tmp/err")"
sed -n 1p "$tmp/out" | grep -q "^{\"app_id\":\"HUGE\",\"line\":1,\"decision\":\"ERROR\",\"error\":\"$tmp/pairs.credo:6:[0-9]*: deadline of 50 ms exceeded (in r)\"}\$" ||
    fail "deadline: $(sed -n 1p "$tmp/out")"
[ "$(sed -n 2p "$tmp/out")" = '{"app_id":"SMALL","decision":"APPROVE","reasons":[],"r":2}' ] || fail "deadline: the small one: $(sed -n 2p "$tmp/out")"
# the option's bounds
for bad in 0 -1 x 60001; do
    "$credo" run --deadline-ms "$bad" "$tmp/pairs.credo" "$tmp/apps.jsonl" >"$tmp/out" 2>"$tmp/err"
    rc=$?
    [ $rc -eq 2 ] && [ ! -s "$tmp/out" ] || fail "--deadline-ms $bad: exit $rc"
done
grep -q "^credo run: --deadline-ms 60001 is more than the maximum, 60000$" "$tmp/err" || fail "--deadline-ms 60001: $(cat "$tmp/err")"
"$credo" run --deadline-ms 60000 --as-of 2026-12-01 "$tmp/pairs.credo" "$tmp/apps.jsonl" </dev/null >/dev/null 2>&1 &
p=$!
sleep 0.2
kill "$p" 2>/dev/null   # accepted: it was deciding (not a usage error), so it is still running
wait "$p"
[ $? -ne 2 ] || fail "--deadline-ms 60000 refused"

# credo serve --deadline-ms (serve has the default budget): 400 passes
# over a 64 KiB text fit the budget and take some 10 ms or more, past a
# deadline of 1 ms; the answer for that application is the ERROR
if command -v curl >/dev/null 2>&1; then
    mkdir "$tmp/dir"
    printf 'policy upper\ninput app {\n  app_id: text\n  name: text\n  sales: list of money\n}\nr = count x in sales[0..399] where len(upper(name)) > 0\n' >"$tmp/dir/upper.credo"
    bounded "$credo" run --as-of 2026-12-01 "$tmp/dir/upper.credo" "$tmp/apps.jsonl" >"$tmp/out" 2>"$tmp/err"
    [ "$(sed -n 1p "$tmp/out")" = '{"app_id":"HUGE","decision":"APPROVE","reasons":[],"r":400}' ] ||
        fail "400 passes over 64 KiB: $(sed -n 1p "$tmp/out" | cut -c1-300)"
    "$credo" serve --port 0 --threads 2 --deadline-ms 1 --as-of 2026-12-01 "$tmp/dir" 2>"$tmp/serr" &
    pid=$!
    n=0
    port=
    while [ -z "$port" ]; do
        n=$((n + 1))
        [ $n -le 200 ] && kill -0 "$pid" 2>/dev/null || fail "credo serve does not listen: $(cat "$tmp/serr")"
        sleep 0.1
        port=$(sed -n 's|^credo serve: listening on http://127\.0\.0\.1:\([0-9]*\)/.*|\1|p' "$tmp/serr")
    done
    head -1 "$tmp/apps.jsonl" >"$tmp/huge.json"
    curl -s -m 20 --data-binary @"$tmp/huge.json" "http://127.0.0.1:$port/v1/decide/upper" >"$tmp/answer"
    grep -q "\"decision\":\"ERROR\",\"error\":\"$tmp/dir/upper.credo:7:[0-9]*: deadline of 1 ms exceeded (in r)\"" "$tmp/answer" ||
        fail "serve --deadline-ms: $(head -c 300 "$tmp/answer")"
    kill "$pid"
    wait "$pid" || fail "credo serve did not stop cleanly"
    pid=
    serve="; credo serve --deadline-ms too"
else
    serve="; credo serve not tried (no curl)"
fi
echo "work_budget: sum, stdev, max, in, upper, contains, ==, +, matches inside a loop over 100,000 items stop at the budget, the next application decides; the deadline stops 10^10 steps under the largest budget in credo run$serve"
