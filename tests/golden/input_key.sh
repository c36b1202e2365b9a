#!/bin/sh
# `input NAME key FIELD`: the field's value names each decision where
# app_id does by default: the decision line (its first member, as the
# field's type writes it), ERROR lines, explain (--app finds it), the
# decision log (credo audit show), a .credoc, credo serve's answer, and
# credo diff says when it changed.
# Runs from the project root with the credo binary in $CREDO; exit 0 = pass.
set -u
credo=${CREDO:-build/credo}
tmp=$(mktemp -d)
pid=
trap '[ -n "$pid" ] && kill "$pid" 2>/dev/null; rm -rf "$tmp"' EXIT
fail() { echo "input_key.sh: $*"; exit 1; }
d=tests/golden/input_key

cat >"$tmp/want" <<'OUT'
{"customer_no":1001,"decision":"APPROVE","reasons":[]}
{"customer_no":1002,"decision":"REFER","reasons":["YOUNG"]}
{"customer_no":"1003","line":3,"decision":"ERROR","error":"customer_no: expected int, got text"}
{"customer_no":null,"line":4,"decision":"ERROR","error":"customer_no: required field is missing"}
{"customer_no":1005,"line":5,"decision":"ERROR","error":"app_id: required field is missing"}
OUT
"$credo" run --as-of 2026-12-01 --log "$tmp/log.db" "$d/keyed.credo" "$d/keyed.jsonl" >"$tmp/got" 2>"$tmp/err"
[ $? -eq 3 ] || { cat "$tmp/err"; fail "credo run: exit status"; }
diff -u "$tmp/want" "$tmp/got" || fail "credo run: the lines do not name customer_no"

out=$("$credo" audit "$tmp/log.db" show 1002) || { echo "$out"; fail "audit show 1002"; }
echo "$out" | grep -q '^seq 2: 1002, ' || { echo "$out"; fail "the log does not hold 1002 as the application's id"; }
echo "$out" | grep -q '^replay: identical' || { echo "$out"; fail "the replay of 1002"; }

out=$("$credo" explain --json --as-of 2026-12-01 --app 1002 "$d/keyed.credo" "$d/keyed.jsonl") || { echo "$out"; fail "explain --app 1002"; }
case $out in '{"customer_no":1002,"decision":"REFER",'*) ;; *) echo "$out"; fail "explain --json does not name customer_no";; esac
out=$("$credo" explain --as-of 2026-12-01 --app 1001 "$d/keyed.credo" "$d/keyed.jsonl") || { echo "$out"; fail "explain --app 1001"; }
echo "$out" | head -1 | grep -qx 'Application 1001' || { echo "$out"; fail "explain does not name 1001"; }
"$credo" explain --app A-2 "$d/keyed.credo" "$d/keyed.jsonl" 2>"$tmp/err" && fail "--app found an app_id, not the key"
grep -qx 'credo explain: no application with customer_no A-2' "$tmp/err" || { cat "$tmp/err"; fail "--app message"; }

"$credo" compile "$d/keyed.credo" -o "$tmp/keyed.credoc" >/dev/null || fail "credo compile"
"$credo" run --as-of 2026-12-01 "$tmp/keyed.credoc" "$d/keyed.jsonl" >"$tmp/got2" 2>/dev/null
diff -u "$tmp/want" "$tmp/got2" || fail "the .credoc does not carry the key"

# credo fmt lays the key out on the input's line; with a key, app_id is a free name
printf 'policy p\ninput a   key  id{\n id: text\n}\n' | "$credo" fmt - >"$tmp/fmt" || fail "credo fmt"
printf 'policy p\ninput a key id {\n  id: text\n}\n' | diff -u - "$tmp/fmt" || fail "credo fmt of a key"
"$credo" fmt --check "$d/keyed.credo" >/dev/null || fail "keyed.credo is not in credo fmt's layout"
printf 'policy p\ninput a key id {\n  id: text\n}\napp_id = 1\n' >"$tmp/free.credo"
"$credo" check "$tmp/free.credo" || fail "a result app_id beside a key"

# credo diff names a changed key
sed 's/^input applicant key customer_no {/input applicant {/' "$d/keyed.credo" >"$tmp/unkeyed.credo"
out=$("$credo" diff "$tmp/unkeyed.credo" "$d/keyed.credo") || { echo "$out"; fail "credo diff"; }
echo "$out" | grep -qF '  changed    input key: app_id  →  customer_no  (line 7)' || { echo "$out"; fail "credo diff of the key"; }

mkdir "$tmp/p" && cp "$d/keyed.credo" "$tmp/p/" || fail "copy"
: >"$tmp/serr"   # there before the loop below reads it
"$credo" serve --port 0 "$tmp/p" 2>"$tmp/serr" &
pid=$!
n=0
until port=$(sed -n 's|^credo serve: listening on http://127\.0\.0\.1:\([0-9]*\)/.*|\1|p' "$tmp/serr") && [ -n "$port" ]; do
    n=$((n + 1)); [ $n -le 200 ] || fail "credo serve does not listen"; sleep 0.1
done
out=$(curl -s -d '{"customer_no":1002,"app_id":"A-2","age":19}' "http://127.0.0.1:$port/v1/decide/keyed?as_of=2026-12-01")
case $out in '{"customer_no":1002,"decision":"REFER",'*) ;; *) echo "$out"; fail "credo serve does not name customer_no";; esac
echo "input_key.sh: the key names the line, ERROR lines, explain, the log, the .credoc and serve's answer; credo diff reports its change"
