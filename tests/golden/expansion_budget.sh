#!/bin/sh
# The compiler's expansion budget (README.md, "Limits"): functions are
# inlined at every call, so 25, 30 and 60 functions that each call the one
# before twice would copy 2^25, 2^30 and 2^60 bodies.  Each is refused at
# once, naming file:line:col of the call and the chain of functions, in
# little CPU time and memory; so are a chain of calls too deep and an
# expression nested too deep once inlined.  At the budget a policy still
# compiles and decides.
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
fail() { echo "expansion_budget: $*"; exit 1; }

# 10 s of CPU, and 512 MiB of address space where the binary can start
# under it (a sanitizer build reserves far more and cannot)
limit_v=
(ulimit -v 524288; "$credo" --help) >/dev/null 2>&1 && limit_v="ulimit -v 524288;"
bounded() { sh -c "ulimit -t 10; $limit_v exec \"\$@\"" sh "$@"; }

# doubling N: fN calls f(N-1) twice, ..., f1 is v + 1 (3 nodes)
doubling() {
    n=$1
    { printf 'policy doubling%s\ninput app {\n  app_id: text\n  x: int\n}\nfn f1(v: int) -> int = v + 1\n' "$n"
      i=2
      while [ "$i" -le "$n" ]; do echo "fn f$i(v: int) -> int = f$((i - 1))(v) + f$((i - 1))(v)"; i=$((i + 1)); done
      echo "r = f$n(x)"; } >"$tmp/doubling$n.credo"
}

# refused FILE WANT_LINE: credo check exits 1 with WANT_LINE, then the
# source line and a caret under the call
refused() {
    bounded "$credo" check "$tmp/$1.credo" >"$tmp/out" 2>&1
    rc=$?
    [ $rc -eq 1 ] || fail "$1: exit $rc, not 1: $(head -c 300 "$tmp/out")"
    [ "$(sed -n 1p "$tmp/out")" = "$tmp/$1.credo:$2" ] || fail "$1: got
$(sed -n 1p "$tmp/out")
want
$tmp/$1.credo:$2"
    [ "$(sed -n 3p "$tmp/out" | tr -d ' ')" = "$3" ] || fail "$1: caret $(sed -n 3p "$tmp/out")"
}

budget="exceeds the expansion budget of 100000 nodes: a function's body is copied at every call, and this call copies"
doubling 25
refused doubling25 "31:5: error: f25 -> f24 -> f23 -> f22 -> f21 -> f20 -> ... -> f3 -> f2 -> f1 $budget 134217723 (the policy 134217723 in all)" '^~~~~~'
doubling 30
refused doubling30 "36:5: error: f30 -> f29 -> f28 -> f27 -> f26 -> f25 -> ... -> f3 -> f2 -> f1 $budget 4294967291 (the policy 4294967291 in all)" '^~~~~~'
doubling 60
refused doubling60 "66:5: error: f60 -> f59 -> f58 -> f57 -> f56 -> f55 -> ... -> f3 -> f2 -> f1 $budget more than 10^12 (the policy more than 10^12 in all)" '^~~~~~'
# credo run refuses it the same way, deciding nothing
echo '{"app_id":"A","x":1}' >"$tmp/app.jsonl"
bounded "$credo" run "$tmp/doubling30.credo" "$tmp/app.jsonl" >"$tmp/out" 2>"$tmp/err"
[ $? -eq 1 ] && [ ! -s "$tmp/out" ] && grep -q "36:5: error: f30 -> f29 .* $budget" "$tmp/err" ||
    fail "credo run of 30 levels: $(head -c 300 "$tmp/err")"

# credo serve given it reports it (stderr, /v1/policies "not_loaded") and
# never serves it; a good version whose file is replaced by one over the
# budget goes on serving, the new one under "newer_not_loaded"; SIGTERM
# stops it
command -v curl >/dev/null 2>&1 || fail "curl is needed (.ci/run installs it)"
mkdir "$tmp/dir"
cp "$tmp/doubling30.credo" "$tmp/dir/"
doubling 3
sed 's/^policy doubling3$/policy small/' "$tmp/doubling3.credo" >"$tmp/dir/small.credo"
"$credo" serve --port 0 "$tmp/dir" 2>"$tmp/serr" &
pid=$!
n=0
until grep -q "36:5: error: f30 -> f29 .* $budget" "$tmp/serr" && grep -q "^credo serve: listening on http://127.0.0.1:" "$tmp/serr"; do
    n=$((n + 1))
    [ $n -le 200 ] && kill -0 "$pid" 2>/dev/null || fail "credo serve of 30 levels: $(head -c 300 "$tmp/serr")"
    sleep 0.1
done
url=http://127.0.0.1:$(sed -n 's|^credo serve: listening on http://127\.0\.0\.1:\([0-9]*\)/.*|\1|p' "$tmp/serr")
grep -q "doubling30.credo: not loaded (1 error); nothing is served from it" "$tmp/serr" ||
    fail "credo serve does not say doubling30 is not served: $(tail -3 "$tmp/serr")"
# post NAME: the status of a decide request, its body in $tmp/resp
post() { curl -s -o "$tmp/resp" -w '%{http_code}' -d '{"app_id":"A","x":1}' "$url/v1/decide/$1"; }
[ "$(post doubling30)" = 404 ] || fail "doubling30 answered $(cat "$tmp/resp"), not 404"
[ "$(post small)" = 200 ] && grep -q '"r":8' "$tmp/resp" || fail "small: $(cat "$tmp/resp")"
curl -s "$url/v1/policies" >"$tmp/list"
grep -q "\"not_loaded\":\[\$" "$tmp/list" && grep -q "doubling30.credo\",\"newer_not_loaded\":{\"error\":\"[^\"]*36:5: error: f30 -> f29 .* $budget" "$tmp/list" ||
    fail "/v1/policies does not list doubling30 as not loaded: $(cat "$tmp/list")"
# small.credo replaced, whole, by 30 levels under the same name
sed 's/^policy doubling30$/policy small/' "$tmp/doubling30.credo" >"$tmp/small.new"
mv "$tmp/small.new" "$tmp/dir/small.credo"
n=0
until grep -q "small.credo: not loaded (1 error); still serving small" "$tmp/serr"; do
    n=$((n + 1))
    [ $n -le 200 ] || fail "credo serve does not report the new small.credo: $(tail -3 "$tmp/serr")"
    sleep 0.1
done
[ "$(post small)" = 200 ] && grep -q '"r":8' "$tmp/resp" || fail "small after the bad version: $(cat "$tmp/resp")"
curl -s "$url/v1/policies" >"$tmp/list"
grep -q "\"name\":\"small\".*\"newer_not_loaded\":{\"error\":\"[^\"]*small.credo:36:5: error: f30 -> f29 .* $budget" "$tmp/list" ||
    fail "/v1/policies does not show small's newer version as not loaded: $(cat "$tmp/list")"
kill -TERM "$pid"
wait "$pid" || fail "credo serve did not stop on SIGTERM with exit 0: $(tail -3 "$tmp/serr")"
pid=

# at the budget: 33,333 calls of a 3-node body copy 99,999 nodes and
# decide; one call more copies 100,002
calls() {
    { printf 'policy calls\ninput app {\n  app_id: text\n  x: int\n}\nfn f(v: int) -> int = v + 1\n'
      awk -v n="$1" 'BEGIN { printf "r = count(["; for (i = 1; i <= n; i++) printf "%sf(x)", (i > 1 ? ", " : ""); printf "])\n" }'; } >"$tmp/calls$1.credo"
}
calls 33333
bounded "$credo" run "$tmp/calls33333.credo" "$tmp/app.jsonl" >"$tmp/out" 2>&1 || fail "99,999 nodes copied: $(head -c 300 "$tmp/out")"
[ "$(cat "$tmp/out")" = '{"app_id":"A","decision":"APPROVE","reasons":[],"r":33333}' ] || fail "99,999 nodes copied decided $(cat "$tmp/out")"
calls 33334
refused calls33334 "7:200010: error: f $budget 3 (the policy 100002 in all)" '^~~~'

# functions calling functions: 64 deep compile, 65 are refused
chain() {
    { printf 'policy chain\ninput app {\n  app_id: text\n  x: int\n}\nfn g1(v: int) -> int = v + 1\n'
      i=2
      while [ "$i" -le "$1" ]; do echo "fn g$i(v: int) -> int = g$((i - 1))(v) + 1"; i=$((i + 1)); done
      echo "r = g$1(x)"; } >"$tmp/chain$1.credo"
}
chain 64
bounded "$credo" run "$tmp/chain64.credo" "$tmp/app.jsonl" >"$tmp/out" 2>&1 || fail "64 calls deep: $(head -c 300 "$tmp/out")"
[ "$(cat "$tmp/out")" = '{"app_id":"A","decision":"APPROVE","reasons":[],"r":65}' ] || fail "64 calls deep decided $(cat "$tmp/out")"
chain 65
refused chain65 "71:5: error: g65 -> g64 -> g63 -> g62 -> g61 -> g60 -> ... -> g3 -> g2 -> g1: functions call functions more than 64 deep, the most they may" '^~~~~~'

# nesting: 20 functions, each nesting 300 levels around the call of the
# one before, would nest 6,000 levels deep
{ printf 'policy nest\ninput app {\n  app_id: text\n  x: int\n}\nfn h1(v: int) -> int = v + 1\n'
  awk 'BEGIN { for (i = 2; i <= 20; i++) { printf "fn h%d(v: int) -> int = ", i
               for (j = 0; j < 300; j++) printf "("; printf "h%d(v)", i - 1; for (j = 0; j < 300; j++) printf " + 1)"; printf "\n" } }'
  echo "r = h20(x)"; } >"$tmp/nest.credo"
refused nest "26:5: error: h20 -> h19 -> h18 -> h17 -> h16 -> h15 -> ... -> h8 -> h7 -> h6: inlined, this call nests more than 4000 levels deep, the most an expression may" '^~~~~~'
echo "expansion_budget: 25, 30 and 60 levels of doubling calls, 100,002 nodes copied, 65 calls deep and 6,000 levels inlined refused at the call with the chain (credo serve reports it, in /v1/policies too, and never serves it; an older version goes on); 99,999 nodes and 64 deep compile and decide"
