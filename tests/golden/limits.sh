#!/bin/sh
# Every limit of README.md's "Limits" table that the command line reaches,
# tested at the limit and one past it: policy source size, expression
# nesting, JSON nesting depth, JSON text length, JSON list length, input
# line length (default and --max-line), instructions (--budget) and memory
# (--max-memory) per application; and each option asking for more than
# its maximum is a usage error naming the maximum.  The regex limits and
# the C API's limits are tested in tests/unit/test_limits.c.
set -u
LC_ALL=C
export LC_ALL
credo=${CREDO:-build/credo}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "limits: $*"; exit 1; }
MiB=1048576

# xs N: N bytes of 'x'
xs() { head -c "$1" /dev/zero | tr '\0' x; }
# line LEN PREFIX SUFFIX: PREFIX, x's, SUFFIX: exactly LEN bytes, no newline
line() { printf '%s' "$2"; xs $(($1 - ${#2} - ${#3})); printf '%s' "$3"; }
# same ACTUAL EXPECTED WHAT
same() { [ "$1" = "$2" ] || fail "$3: got
$1
want
$2"; }

# ---- policy source size: 16 MiB ------------------------------------------------
policy='policy size "the largest policy"
input a { x: int }
r = x + 1
'
{ printf '%s#' "$policy"; xs $((16 * MiB - ${#policy} - 2)); printf '\n'; } >"$tmp/max.credo"
[ "$(wc -c <"$tmp/max.credo")" -eq $((16 * MiB)) ] || fail "could not build a 16 MiB policy"
"$credo" check "$tmp/max.credo" >"$tmp/out" 2>&1 || fail "a policy of exactly 16 MiB does not compile: $(head -3 "$tmp/out")"
printf '#\n' >>"$tmp/max.credo"   # now 16 MiB + 2
"$credo" check "$tmp/max.credo" >"$tmp/out" 2>&1 && fail "a policy over 16 MiB compiled"
grep -q "error: the policy is 16777218 bytes, more than the maximum policy size, 16 MiB (16777216 bytes)" "$tmp/out" ||
    fail "policy over 16 MiB: $(head -3 "$tmp/out")"

# ---- a file read whole: 256 MiB (a sparse file; /dev/zero never ends) ----------------
truncate -s $((256 * MiB)) "$tmp/huge.credo" || fail "cannot make a sparse file"
"$credo" check "$tmp/huge.credo" >"$tmp/out" 2>&1 && fail "a 256 MiB policy compiled"
grep -q "error: the policy is 268435456 bytes, more than the maximum policy size" "$tmp/out" ||
    fail "a file of 256 MiB is read: $(head -c 300 "$tmp/out")"
truncate -s $((256 * MiB + 1)) "$tmp/huge.credo"
"$credo" check "$tmp/huge.credo" >"$tmp/out" 2>&1 && fail "a 256 MiB + 1 policy compiled"
grep -q "cannot read $tmp/huge.credo: File too large" "$tmp/out" || fail "256 MiB + 1: $(head -c 300 "$tmp/out")"
rm -f "$tmp/huge.credo"
"$credo" check /dev/zero >"$tmp/out" 2>&1 && fail "/dev/zero compiled"
grep -q "cannot read /dev/zero: File too large" "$tmp/out" || fail "/dev/zero: $(head -c 300 "$tmp/out")"

# ---- expression nesting: 1000 levels ---------------------------------------------
# r = ---...-x: the minus signs and x are a chain of expressions, each inside the next
nest() { awk -v n="$1" 'BEGIN { printf "policy nest\ninput a { x: int }\nr = "; for (i = 0; i < n; i++) printf "-"; printf "x\n" }'; }
nest 999 >"$tmp/nest.credo"    # 1000 levels
"$credo" check "$tmp/nest.credo" >"$tmp/out" 2>&1 || fail "1000 levels of nesting do not compile: $(head -3 "$tmp/out")"
nest 1000 >"$tmp/nest.credo"   # 1001
"$credo" check "$tmp/nest.credo" >"$tmp/out" 2>&1 && fail "1001 levels of nesting compiled"
grep -q "error: this expression is nested more than 1000 levels deep" "$tmp/out" || fail "nesting: $(head -3 "$tmp/out")"

# ---- the applications' policy --------------------------------------------------
cat >"$tmp/apps.credo" <<'EOF'
policy apps "limits of an application"
input applicant {
  app_id: text
  name: text
  sales: list of money
}
months = count(sales)
name_length = len(name)
EOF
run() { "$credo" run --as-of 2026-12-01 "$@"; }

# ---- JSON nesting depth: 64 ---------------------------------------------------
# the application is level 1; an unknown member holding 63 nested lists reaches 64
deep() { awk -v n="$1" 'BEGIN { printf "{\"app_id\":\"D%d\",\"name\":\"n\",\"sales\":[],\"extra\":", n; for (i = 0; i < n; i++) printf "["; for (i = 0; i < n; i++) printf "]"; printf "}\n" }'; }
{ deep 63; deep 64; } >"$tmp/deep.jsonl"
run "$tmp/apps.credo" "$tmp/deep.jsonl" >"$tmp/out" 2>&1
same "$(cat "$tmp/out")" '{"app_id":"D63","decision":"APPROVE","reasons":[],"months":0,"name_length":1}
{"app_id":"D64","line":2,"decision":"ERROR","error":"json: byte 109: nested deeper than 64"}' "JSON depth"

# ---- JSON text: 1 MiB in one string ---------------------------------------------
p1='{"app_id":"T1","sales":[],"name":"' p2='{"app_id":"T2","sales":[],"name":"'
{ line $((${#p1} + MiB + 2)) "$p1" '"}'; echo
  line $((${#p2} + MiB + 3)) "$p2" '"}'; echo; } >"$tmp/text.jsonl"
run "$tmp/apps.credo" "$tmp/text.jsonl" >"$tmp/out" 2>&1
same "$(cat "$tmp/out")" '{"app_id":"T1","decision":"APPROVE","reasons":[],"months":0,"name_length":1048576}
{"app_id":"T2","line":2,"decision":"ERROR","error":"name: text is longer than 1048576 bytes"}' "JSON text"

# ---- JSON list: 100,000 items --------------------------------------------------
items() { awk -v n="$1" -v id="$2" 'BEGIN { printf "{\"app_id\":\"%s\",\"name\":\"n\",\"sales\":[", id; for (i = 0; i < n; i++) printf "%s1", i ? "," : ""; printf "]}\n" }'; }
{ items 100000 L1; items 100001 L2; } >"$tmp/list.jsonl"
run "$tmp/apps.credo" "$tmp/list.jsonl" >"$tmp/out" 2>&1
same "$(cat "$tmp/out")" '{"app_id":"L1","decision":"APPROVE","reasons":[],"months":100000,"name_length":1}
{"app_id":"L2","line":2,"decision":"ERROR","error":"sales: list has more than 100000 items"}' "JSON list"

# ---- input line: 16 MiB by default, --max-line to lower it, 64 MiB at most ----------
prefix='{"app_id":"X","name":"n","sales":[],"pad":"'
{ line $((16 * MiB)) "$prefix" '"}'; echo
  line $((16 * MiB + 1)) "$prefix" '"}'; echo
  echo '{"app_id":"AFTER","name":"n","sales":[]}'; } >"$tmp/long.jsonl"
run "$tmp/apps.credo" "$tmp/long.jsonl" >"$tmp/out" 2>&1
same "$(cat "$tmp/out")" '{"app_id":"X","decision":"APPROVE","reasons":[],"months":0,"name_length":1}
{"app_id":null,"line":2,"decision":"ERROR","error":"line: longer than 16 MiB"}
{"app_id":"AFTER","decision":"APPROVE","reasons":[],"months":0,"name_length":1}' "16 MiB line"
# the same with two threads, and with the last line unterminated
line $((16 * MiB + 1)) "$prefix" '"}' >"$tmp/last.jsonl"
run -j 2 "$tmp/apps.credo" "$tmp/long.jsonl" >"$tmp/out" 2>&1
same "$(sed -n 2p "$tmp/out")" '{"app_id":null,"line":2,"decision":"ERROR","error":"line: longer than 16 MiB"}' "16 MiB line, -j 2"
[ "$(wc -l <"$tmp/out")" -eq 3 ] || fail "16 MiB line, -j 2: not 3 lines out"
run "$tmp/apps.credo" "$tmp/last.jsonl" >"$tmp/out" 2>&1
same "$(cat "$tmp/out")" '{"app_id":null,"line":1,"decision":"ERROR","error":"line: longer than 16 MiB"}' "last line over 16 MiB"

{ line 100 '{"app_id":"S1","name":"n","sales":[],"pad":"' '"}'; echo
  line 101 '{"app_id":"S2","name":"n","sales":[],"pad":"' '"}'; printf '\r\n'
  line 100 '{"app_id":"S3","name":"n","sales":[],"pad":"' '"}'; } >"$tmp/short.jsonl"
run --max-line 100 "$tmp/apps.credo" "$tmp/short.jsonl" >"$tmp/out" 2>&1
same "$(cat "$tmp/out")" '{"app_id":"S1","decision":"APPROVE","reasons":[],"months":0,"name_length":1}
{"app_id":null,"line":2,"decision":"ERROR","error":"line: longer than 100 bytes"}
{"app_id":"S3","decision":"APPROVE","reasons":[],"months":0,"name_length":1}' "--max-line 100"
run --max-line 64M "$tmp/apps.credo" "$tmp/short.jsonl" >/dev/null 2>&1 || fail "--max-line 64M refused"
run --max-line 65M "$tmp/apps.credo" "$tmp/short.jsonl" >"$tmp/out" 2>&1
[ $? -eq 2 ] || fail "--max-line 65M is not a usage error"
same "$(cat "$tmp/out")" "credo run: --max-line 65M is more than the maximum, 64 MiB" "--max-line 65M"

# ---- instructions: --budget, 1,000,000 by default, 1,000,000,000 at most -------------
echo '{"app_id":"B","name":"n","sales":[1,2,3,4,5,6,7,8,9,10]}' >"$tmp/one.jsonl"
cat >"$tmp/busy.credo" <<'EOF'
policy busy "counts and doubles"
input app { app_id: text
  sales: list of money }
busy = count s in sales where s > 3
doubled = sum([s * 2 for s in sales])
EOF
# the least budget that decides it, by bisection
ok_with() { run "$@" "$tmp/busy.credo" "$tmp/one.jsonl" >"$tmp/out" 2>&1; }
lo=1 hi=100000
ok_with --budget $hi || fail "not decided with a budget of $hi: $(cat "$tmp/out")"
while [ $((hi - lo)) -gt 1 ]; do
    mid=$(((lo + hi) / 2))
    if ok_with --budget $mid; then hi=$mid; else lo=$mid; fi
done
ok_with --budget $hi || fail "not decided with the least budget, $hi"
ok_with --budget $((hi - 1)) && fail "decided with a budget of $((hi - 1)), one less than it needs"
grep -q "instruction budget of $((hi - 1)) exceeded" "$tmp/out" || fail "budget $((hi - 1)): $(cat "$tmp/out")"
ok_with --budget 1000000000 || fail "--budget 1000000000 refused: $(cat "$tmp/out")"
ok_with --budget 1000000001
[ $? -eq 2 ] || fail "--budget 1000000001 is not a usage error"
same "$(cat "$tmp/out")" "credo run: --budget 1000000001 is more than the maximum, 1000000000" "--budget past the maximum"

# ---- memory: --max-memory, 64 MiB by default, 1 GiB at most ------------------------
lo=1 hi=$MiB
ok_with --max-memory $hi || fail "not decided with --max-memory $hi: $(cat "$tmp/out")"
while [ $((hi - lo)) -gt 1 ]; do
    mid=$(((lo + hi) / 2))
    if ok_with --max-memory $mid; then hi=$mid; else lo=$mid; fi
done
ok_with --max-memory $hi || fail "not decided with the least memory, $hi bytes"
ok_with --max-memory $((hi - 1)) && fail "decided with $((hi - 1)) bytes, one less than it needs"
grep -q "out of memory for this application (limit $((hi - 1)) bytes)" "$tmp/out" ||
    fail "--max-memory $((hi - 1)): $(cat "$tmp/out")"
ok_with --max-memory 1G || fail "--max-memory 1G refused: $(cat "$tmp/out")"
ok_with --max-memory 1073741825
[ $? -eq 2 ] || fail "--max-memory 1073741825 is not a usage error"
same "$(cat "$tmp/out")" "credo run: --max-memory 1073741825 is more than the maximum, 1 GiB" "--max-memory past the maximum"
ok_with --max-memory 0
[ $? -eq 2 ] || fail "--max-memory 0 is not a usage error"
echo "limits: policy size, nesting, JSON depth, text and list, line length, budget and memory: each at its limit and one past it"
