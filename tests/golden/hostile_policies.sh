#!/bin/sh
# Hostile policies: policies that try to allocate without bound (a list of
# lists as big as the input allows, a text doubled thirty times), run long
# (every pair of 100,000 months), nest deeply, or hold a huge table.  Each
# must be stopped by a limit with an error naming it (README.md, "Limits"),
# and the run must go on with the next application.
set -u
LC_ALL=C
export LC_ALL
credo=${CREDO:-build/credo}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "hostile_policies: $*"; exit 1; }

# one application with 100,000 months (the JSON list limit), then a small one
awk 'BEGIN { printf "{\"app_id\":\"HUGE\",\"name\":\"abcdefgh\",\"sales\":["; for (i = 0; i < 100000; i++) printf "%s%d", i ? "," : "", i % 97; printf "]}\n" }' >"$tmp/apps.jsonl"
echo '{"app_id":"SMALL","name":"ab","sales":[1,2,3]}' >>"$tmp/apps.jsonl"

# expect POLICY WANT_ERROR WANT_SMALL [OPTIONS...]: the huge application is
# an ERROR saying WANT_ERROR, the small one is decided as WANT_SMALL
expect() {
    p=$1 want=$2 small=$3
    shift 3
    "$credo" run --as-of 2026-12-01 "$@" "$tmp/$p.credo" "$tmp/apps.jsonl" >"$tmp/out" 2>"$tmp/err"
    rc=$?
    [ $rc -eq 3 ] || fail "$p $*: exit $rc, not 3: $(head -3 "$tmp/err")"
    got=$(sed -n 1p "$tmp/out")
    [ "$got" = "{\"app_id\":\"HUGE\",\"line\":1,\"decision\":\"ERROR\",\"error\":\"$tmp/$p.credo:$want\"}" ] ||
        fail "$p $*: the huge application gave
$got
want the error $want"
    [ "$(sed -n 2p "$tmp/out")" = "$small" ] || fail "$p $*: the small application gave $(sed -n 2p "$tmp/out")"
}

# ---- allocating without bound ----------------------------------------------------
cat >"$tmp/grid.credo" <<'EOF'
policy grid "a list of lists as big as the input allows: 100,000 x 100,000"
input app { app_id: text
  sales: list of money }
cells = count row in [[x * y for y in sales] for x in sales] where count(row) > 0
EOF
expect grid "4:24: instruction budget of 1000000 exceeded (in cells)" \
    '{"app_id":"SMALL","decision":"APPROVE","reasons":[],"cells":3}'
expect grid "4:23: out of memory for this application (limit 67108864 bytes) (in cells)" \
    '{"app_id":"SMALL","decision":"APPROVE","reasons":[],"cells":3}' --budget 1000000000
expect grid "4:22: out of memory for this application (limit 8388608 bytes) (in cells)" \
    '{"app_id":"SMALL","decision":"APPROVE","reasons":[],"cells":3}' --budget 1000000000 --max-memory 8M

{ printf 'policy doubling "a text doubled thirty times: 8 GiB"\ninput app { app_id: text\n  name: text }\nlet t1 = name + name\n'
  i=2
  while [ $i -le 30 ]; do echo "let t$i = t$((i - 1)) + t$((i - 1))"; i=$((i + 1)); done
  echo 'size = if len(name) > 4 then len(t30) else len(name)'; } >"$tmp/doubling.credo"
# joining texts counts their 64-byte blocks against the budget: 2^20 of
# them by t22, so the budget stops it there unless it is raised
expect doubling "25:11: instruction budget of 1000000 exceeded (in t22)" \
    '{"app_id":"SMALL","decision":"APPROVE","reasons":[],"size":2}'
expect doubling "25:11: out of memory for this application (limit 67108864 bytes) (in t22)" \
    '{"app_id":"SMALL","decision":"APPROVE","reasons":[],"size":2}' --budget 1000000000
expect doubling "23:11: out of memory for this application (limit 16777216 bytes) (in t20)" \
    '{"app_id":"SMALL","decision":"APPROVE","reasons":[],"size":2}' --max-memory 16M

# ---- running long ----------------------------------------------------------------
cat >"$tmp/pairs.credo" <<'EOF'
policy pairs "every pair of 100,000 months: 10^10 steps"
input app { app_id: text
  sales: list of money }
pairs = count x in sales where (count y in sales where y > x) > 0
EOF
expect pairs "4:33: instruction budget of 1000000 exceeded (in pairs)" \
    '{"app_id":"SMALL","decision":"APPROVE","reasons":[],"pairs":2}'
expect pairs "4:60: instruction budget of 10000000 exceeded (in pairs)" \
    '{"app_id":"SMALL","decision":"APPROVE","reasons":[],"pairs":2}' --budget 10000000

# ---- nesting deeply --------------------------------------------------------------
# refused by the compiler, naming the limit
refused() {   # refused NAME WANT: `credo run` of NAME.credo exits 1 with WANT
    "$credo" run "$tmp/$1.credo" "$tmp/apps.jsonl" >"$tmp/out" 2>"$tmp/err"
    rc=$?
    [ $rc -eq 1 ] || fail "$1: exit $rc, not 1"
    [ -s "$tmp/out" ] && fail "$1: decided something"
    grep -q "$2" "$tmp/err" || fail "$1: $(head -c 300 "$tmp/err")"
}
awk 'BEGIN { printf "policy deep\ninput app { app_id: text\n  name: text }\nr = "; for (i = 0; i < 2000; i++) printf "len("; printf "name"; for (i = 0; i < 2000; i++) printf ") + 1"; printf "\n" }' >"$tmp/deep.credo"
refused deep "error: this expression is nested more than 1000 levels deep"
awk 'BEGIN { printf "policy deeper\ninput app { app_id: text\n  name: text }\nr = "; for (i = 0; i < 300000; i++) printf "not "; printf "true\n" }' >"$tmp/deeper.credo"
refused deeper "error: the policy is nested too deeply to parse: more than 200000 brackets, operators and block rows open at once"
awk 'BEGIN { printf "policy brackets\ninput app { app_id: text }\nr = "; for (i = 0; i < 1000000; i++) printf "(["; printf "\n" }' >"$tmp/brackets.credo"
refused brackets "error: the policy is nested too deeply to parse"

# ---- a huge table: compiles and decides -----------------------------------
awk 'BEGIN { printf "policy huge_table\ninput app { app_id: text\n  sales: list of money }\ntable band(count(sales)) -> int hit first {\n";
             for (i = 0; i < 50000; i++) printf "  %d -> %d\n", i, i % 7; printf "  - -> 99\n}\nr = band\n" }' >"$tmp/table.credo"
"$credo" run --as-of 2026-12-01 "$tmp/table.credo" "$tmp/apps.jsonl" >"$tmp/out" 2>"$tmp/err"
rc=$?
[ $rc -eq 0 ] || fail "a 50,000-row table: exit $rc: $(head -c 300 "$tmp/err")"
grep -q "warning: table band has 50001 rows, more than 2000: rows that can never match are not looked for" "$tmp/err" ||
    fail "a 50,000-row table: $(head -c 300 "$tmp/err")"
[ "$(cat "$tmp/out")" = '{"app_id":"HUGE","decision":"APPROVE","reasons":[],"r":99}
{"app_id":"SMALL","decision":"APPROVE","reasons":[],"r":3}' ] || fail "a 50,000-row table decided $(cat "$tmp/out")"
# ---- many items, many mistakes: compiled and reported in linear time -------------
awk 'BEGIN { printf "policy chain\ninput app { app_id: text\n  sales: list of money }\nlet a0 = count(sales)\n";
             for (i = 1; i < 50000; i++) printf "let a%d = a%d + 1\n", i, i - 1; printf "r = a49999\n" }' >"$tmp/chain.credo"
"$credo" run --as-of 2026-12-01 "$tmp/chain.credo" "$tmp/apps.jsonl" >"$tmp/out" 2>"$tmp/err" ||
    fail "a chain of 50,000 lets: $(head -c 300 "$tmp/err")"
[ "$(sed -n 2p "$tmp/out")" = '{"app_id":"SMALL","decision":"APPROVE","reasons":[],"r":50002}' ] ||
    fail "a chain of 50,000 lets decided $(sed -n 2p "$tmp/out")"
awk 'BEGIN { printf "policy mistakes\ninput app { app_id: text }\n"; for (i = 0; i < 200000; i++) printf "r%d = nothing_%d\n", i, i }' >"$tmp/mistakes.credo"
"$credo" check "$tmp/mistakes.credo" >"$tmp/out" 2>&1 && fail "200,000 mistakes compiled"
[ "$(grep -c ': error: ' "$tmp/out")" -eq 100 ] || fail "200,000 mistakes: not 100 errors shown"
tail -1 "$tmp/out" | grep -q "^$tmp/mistakes.credo: 199900 more diagnostics not shown (200000 errors and 0 warnings in all)$" ||
    fail "200,000 mistakes: $(tail -1 "$tmp/out")"
# 990 warnings nested on one 6.9 KB line, and 999 on one 19 KB line: 100 of
# each shown, each quoting at most 160 bytes of its line around the caret
# (these printed 9.9 MB and 31 MB before the caps)
awk 'BEGIN { printf "policy deep\ninput app { a: int }\nr = "; for (i = 0; i < 990; i++) printf "(a ?? ";
             printf "a"; for (i = 0; i < 990; i++) printf ")"; printf "\n" }' >"$tmp/deep.credo"
awk 'BEGIN { printf "policy wide\ninput app { a: int }\n"; for (i = 0; i < 999; i++) printf "r%d = a == a ", i; printf "\n" }' \
    >"$tmp/wide.credo"
for f in deep:990 wide:999; do
    name=${f%%:*}; n=${f#*:}
    "$credo" check "$tmp/$name.credo" >"$tmp/out" 2>&1 || fail "$name: warnings only, yet exit $?"
    [ "$(grep -c ': warning: ' "$tmp/out")" -eq 100 ] || fail "$name: not 100 warnings shown"
    tail -1 "$tmp/out" | grep -q "^$tmp/$name.credo: $((n - 100)) more diagnostics not shown (0 errors and $n warnings in all)$" ||
        fail "$name: $(tail -1 "$tmp/out")"
    [ "$(grep -v ': warning: ' "$tmp/out" | awk 'length > 166' | wc -l)" -eq 0 ] || fail "$name: a quoted line is not cut"
    grep -q '^\.\.\. .*\.\.\.$' "$tmp/out" || fail "$name: no line cut on both sides"
    [ "$(wc -c <"$tmp/out")" -lt 100000 ] || fail "$name: $(wc -c <"$tmp/out") bytes of diagnostics"
done
echo "hostile_policies: lists of lists, doubled texts, every pair, 300,000 levels, a 50,000-row table, 50,000 lets, 200,000 mistakes, 1,000 warnings on one line: each stopped by its limit or reported"
