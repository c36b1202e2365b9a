#!/bin/sh
# A battery of bad input for `credo run`: malformed JSON (cut short,
# trailing bytes, NUL bytes, lone surrogates, a byte order mark, duplicate
# keys), invalid UTF-8, numbers out of range, -0, 100,000 '[', wrong types,
# missing and null fields, 10 MB lines, a catastrophic regex; then bad
# files: a corrupt, truncated or non-SQLite database for --db and --log, a
# full disk under the decision log, and a stdout that cannot be written.
# Each must give a clear error for that application (the run goes on, one
# line out per line in) or for that file (exit 1, and nothing half done:
# stdout holds exactly what the log holds, the log verifies).  The san
# build runs this too, so nothing may leak on any of these paths.
set -u
LC_ALL=C
export LC_ALL
credo=${CREDO:-build/credo}
tmp=$(mktemp -d)
mnt=
cleanup() {
    [ -n "$mnt" ] && umount "$mnt" 2>/dev/null
    rm -rf "$tmp"
}
trap cleanup EXIT
fail() { echo "bad_inputs: $*"; exit 1; }

cat >"$tmp/bad.credo" <<'EOF'
policy bad_inputs "every kind of bad application"

input applicant {
  app_id: text
  age: int
  name: text
  income: money
  debt: money?
  sales: list of money
  since: date
}

let dti = (debt ?? 0) / income
ratio = round(dti, 4)
months = count(sales)
debt_shown = debt ?? 1
plain_name = name matches /^(a+)+$/
EOF

# ---- one line per case ---------------------------------------------------------
ok='"age":30,"name":"Li","income":5000.00,"debt":1000.00,"sales":[1,2],"since":"2020-01-31"'
rest='"income":5000.00,"debt":null,"sales":[],"since":"2020-01-31"'
{
printf '{"app_id":"OK1",%s}\n' "$ok"
printf '{"app_id":"TRUNC","age":30,"na\n'
printf '{"app_id":"TRAIL",%s} xyz\n' "$ok"
printf '{"app_id":"TRAIL2",%s}}\n' "$ok"
printf '{"app_id":"NUL1","age":30,"name":"L\000i",%s}\n' "$rest"
printf '{"app_id":"NUL2","age":30,\000"name":"Li",%s}\n' "$rest"
printf '{"app_id":"SURR1","age":30,"name":"\\ud800",%s}\n' "$rest"
printf '{"app_id":"SURR2","age":30,"name":"x\\udc00y",%s}\n' "$rest"
printf '{"app_id":"PAIR","age":30,"name":"\\ud83d\\ude00",%s}\n' "$rest"
printf '\357\273\277{"app_id":"BOM",%s}\n' "$ok"
printf '{"app_id":"DUP","age":30,"age":31,"name":"Li",%s}\n' "$rest"
printf '{"app_id":"UTF1","age":30,"name":"L\377i",%s}\n' "$rest"
printf '{"app_id":"UTF2","age":30,"name":"\300\257",%s}\n' "$rest"
printf '{"app_id":"UTF3","age":30,"name":"\342\202",%s}\n' "$rest"
printf '{"app_id":"UTF4","age":30,"name":"\355\240\200",%s}\n' "$rest"
printf '{"app_id":"BIG","age":30,"name":"Li","income":1e400,"debt":null,"sales":[],"since":"2020-01-31"}\n'
printf '{"app_id":"TINY","age":30,"name":"Li","income":1e-400,"debt":null,"sales":[],"since":"2020-01-31"}\n'
printf '{"app_id":"INT30","age":123456789012345678901234567890,"name":"Li",%s}\n' "$rest"
printf '{"app_id":"DEC30","age":30,"name":"Li","income":123456789012345678901234567890,"debt":null,"sales":[],"since":"2020-01-31"}\n'
printf '{"app_id":"NEG0","age":-0,"name":"Li","income":5000.00,"debt":-0.0,"sales":[-0],"since":"2020-01-31"}\n'
printf '{"app_id":"ZERO","age":30,"name":"Li","income":-0.0,"debt":null,"sales":[],"since":"2020-01-31"}\n'
awk 'BEGIN { for (i = 0; i < 100000; i++) printf "["; printf "\n" }'
awk 'BEGIN { printf "{\"app_id\":\"DEEP\",\"x\":"; for (i = 0; i < 100000; i++) printf "["; printf "\n" }'
printf '{"app_id":"TYPE1","age":"30","name":"Li",%s}\n' "$rest"
printf '{"app_id":"TYPE2","age":30,"name":5,%s}\n' "$rest"
printf '{"app_id":"TYPE3","age":30,"name":"Li","income":5000.00,"debt":null,"sales":[1,"two"],"since":"2020-01-31"}\n'
printf '{"app_id":"TYPE4","age":30,"name":"Li","income":5000.00,"debt":null,"sales":[],"since":20200131}\n'
printf '{"app_id":"TYPE5","age":30.5,"name":"Li","income":5000.00,"debt":null,"sales":[],"since":"2020-02-30"}\n'
printf '{"app_id":"TYPE6","age":true,"name":"Li","income":5000.00,"debt":null,"sales":{},"since":"2020-01-31"}\n'
printf '{"app_id":"MISS","age":30,"name":"Li","debt":null,"sales":[],"since":"2020-01-31"}\n'
printf '{"app_id":"NULL","age":null,"name":"Li",%s}\n' "$rest"
printf '{"app_id":"OPT","age":30,"name":"Li","income":5000.00,"sales":[],"since":"2020-01-31"}\n'
printf '{}\n'
printf '\n'
printf '   \t \n'
printf '{"app_id":"CRLF",%s}\r\n' "$ok"
printf '{"app_id":7,"age":"x"}\n'
printf '{"app_id":{"a":1},"age":"x"}\n'
printf '{"app_id":"REGEX","age":30,"name":"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaa!",%s}\n' "$rest"
printf '{"app_id":"REGEX2","age":30,"name":"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",%s}\n' "$rest"
printf '{"app_id":"TEN_MB",%s,"pad":"' "$ok"; head -c 10000000 /dev/zero | tr '\0' x; printf '"}\n'
printf '{"app_id":"TEN_MB_NAME","age":30,"name":"'; head -c 10000000 /dev/zero | tr '\0' a; printf '",%s}\n' "$rest"
printf '{"app_id":"LAST",%s}' "$ok"
} >"$tmp/bad.jsonl"

cat >"$tmp/want" <<'EOF'
{"app_id":"OK1","decision":"APPROVE","reasons":[],"ratio":0.2000,"months":2,"debt_shown":1000.00,"plain_name":false}
{"app_id":"TRUNC","line":2,"decision":"ERROR","error":"json: byte 30: unexpected end of line"}
{"app_id":"TRAIL","line":3,"decision":"ERROR","error":"json: byte 107: unexpected data after the object"}
{"app_id":"TRAIL2","line":4,"decision":"ERROR","error":"json: byte 107: unexpected data after the object"}
{"app_id":"NUL1","line":5,"decision":"ERROR","error":"name: unescaped control character at byte 35"}
{"app_id":"NUL2","line":6,"decision":"ERROR","error":"json: byte 26: expected a key"}
{"app_id":"SURR1","line":7,"decision":"ERROR","error":"name: unpaired surrogate at byte 35"}
{"app_id":"SURR2","line":8,"decision":"ERROR","error":"name: unpaired surrogate at byte 36"}
{"app_id":"PAIR","decision":"APPROVE","reasons":[],"ratio":0.0000,"months":0,"debt_shown":1,"plain_name":false}
{"app_id":null,"line":10,"decision":"ERROR","error":"json: byte 0: a byte order mark (U+FEFF) is not JSON; expected an object"}
{"app_id":"DUP","line":11,"decision":"ERROR","error":"age: given twice"}
{"app_id":"UTF1","line":12,"decision":"ERROR","error":"name: invalid UTF-8 at byte 35"}
{"app_id":"UTF2","line":13,"decision":"ERROR","error":"name: invalid UTF-8 at byte 34"}
{"app_id":"UTF3","line":14,"decision":"ERROR","error":"name: invalid UTF-8 at byte 34"}
{"app_id":"UTF4","line":15,"decision":"ERROR","error":"name: invalid UTF-8 at byte 34"}
{"app_id":"BIG","line":16,"decision":"ERROR","error":"income: number 1e400 is out of range"}
{"app_id":"TINY","line":17,"decision":"ERROR","error":"income: number 1e-400 has more than 18 fractional digits"}
{"app_id":"INT30","line":18,"decision":"ERROR","error":"age: number 123456789012345678901234567890 is out of range"}
{"app_id":"DEC30","decision":"APPROVE","reasons":[],"ratio":0.0000,"months":0,"debt_shown":1,"plain_name":false}
{"app_id":"NEG0","decision":"APPROVE","reasons":[],"ratio":0.0000,"months":1,"debt_shown":0.0,"plain_name":false}
{"app_id":"ZERO","line":21,"decision":"ERROR","error":"BAD:13:11: division by zero (in dti)"}
{"app_id":null,"line":22,"decision":"ERROR","error":"json: byte 0: expected an object"}
{"app_id":"DEEP","line":23,"decision":"ERROR","error":"json: byte 84: nested deeper than 64"}
{"app_id":"TYPE1","line":24,"decision":"ERROR","error":"age: expected int, got text"}
{"app_id":"TYPE2","line":25,"decision":"ERROR","error":"name: expected text, got number"}
{"app_id":"TYPE3","line":26,"decision":"ERROR","error":"sales[1]: expected money, got text"}
{"app_id":"TYPE4","line":27,"decision":"ERROR","error":"since: expected date, got number"}
{"app_id":"TYPE5","line":28,"decision":"ERROR","error":"age: expected int, got number 30.5"}
{"app_id":"TYPE6","line":29,"decision":"ERROR","error":"age: expected int, got bool"}
{"app_id":"MISS","line":30,"decision":"ERROR","error":"income: required field is missing"}
{"app_id":"NULL","line":31,"decision":"ERROR","error":"age: expected int, got null"}
{"app_id":"OPT","decision":"APPROVE","reasons":[],"ratio":0.0000,"months":0,"debt_shown":1,"plain_name":false}
{"app_id":null,"line":33,"decision":"ERROR","error":"app_id: required field is missing"}
{"app_id":null,"line":34,"decision":"ERROR","error":"json: byte 0: expected an object"}
{"app_id":null,"line":35,"decision":"ERROR","error":"json: byte 5: expected an object"}
{"app_id":"CRLF","decision":"APPROVE","reasons":[],"ratio":0.2000,"months":2,"debt_shown":1000.00,"plain_name":false}
{"app_id":"7","line":37,"decision":"ERROR","error":"app_id: expected text, got number"}
{"app_id":null,"line":38,"decision":"ERROR","error":"app_id: expected text, got object"}
{"app_id":"REGEX","line":39,"decision":"ERROR","error":"BAD:17:14: regular expression failed: match limit exceeded (in plain_name)"}
{"app_id":"REGEX2","decision":"APPROVE","reasons":[],"ratio":0.0000,"months":0,"debt_shown":1,"plain_name":true}
{"app_id":"TEN_MB","decision":"APPROVE","reasons":[],"ratio":0.2000,"months":2,"debt_shown":1000.00,"plain_name":false}
{"app_id":"TEN_MB_NAME","line":42,"decision":"ERROR","error":"name: text is longer than 1048576 bytes"}
{"app_id":"LAST","decision":"APPROVE","reasons":[],"ratio":0.2000,"months":2,"debt_shown":1000.00,"plain_name":false}
EOF
sed -i "s|BAD:|$tmp/bad.credo:|" "$tmp/want"

for jobs in 1 3; do
    "$credo" run -j $jobs --as-of 2026-12-01 "$tmp/bad.credo" "$tmp/bad.jsonl" >"$tmp/out" 2>"$tmp/err"
    rc=$?
    [ $rc -eq 3 ] || fail "-j $jobs: exit $rc, not 3 (some lines ERROR): $(head -5 "$tmp/err")"
    [ -s "$tmp/err" ] && fail "-j $jobs: something on stderr: $(head -5 "$tmp/err")"
    if ! cmp -s "$tmp/want" "$tmp/out"; then
        diff "$tmp/want" "$tmp/out" | cut -c1-300 | head -20
        fail "-j $jobs: the decision lines differ"
    fi
done

# ---- the catastrophic regex alone: stopped by its match limit ---------------------
printf '{"app_id":"R","age":30,"name":"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaa!",%s}\n' "$rest" >"$tmp/re.jsonl"
"$credo" run --as-of 2026-12-01 "$tmp/bad.credo" "$tmp/re.jsonl" >"$tmp/out" 2>&1
grep -q '"error":".*regular expression failed: match limit exceeded (in plain_name)"' "$tmp/out" ||
    fail "catastrophic regex: $(cat "$tmp/out")"

# ---- --db: not SQLite, truncated, corrupt --------------------------------------------
command -v sqlite3 >/dev/null 2>&1 || fail "the sqlite3 tool is needed (.ci/run installs it)"
db=$tmp/apps.db
sqlite3 "$db" "CREATE TABLE apps(app_id TEXT, age INTEGER, name TEXT, income INTEGER, debt REAL,
                                 sales TEXT, since TEXT);" || fail "cannot make a database"
awk 'BEGIN { print "BEGIN;"; for (i = 1; i <= 3000; i++) printf "INSERT INTO apps VALUES (\"A%d\", 30, \"%0200d\", 5000, NULL, \"[1,2]\", \"2020-01-31\");\n", i, i; print "COMMIT;" }' |
    sqlite3 "$db" || fail "cannot fill the database"
"$credo" run --as-of 2026-12-01 --db "$db" --table apps "$tmp/bad.credo" >"$tmp/out" 2>&1 ||
    fail "the good database: $(tail -3 "$tmp/out")"
[ "$(grep -c '"decision":"APPROVE"' "$tmp/out")" -eq 3000 ] || fail "the good database: not 3000 decisions"

# db_case NAME WANT_LINES MESSAGE: --db NAME fails with exit 1, the message, and WANT_LINES lines
db_case() {
    "$credo" run --as-of 2026-12-01 --db "$tmp/$1" --table apps "$tmp/bad.credo" >"$tmp/out" 2>"$tmp/err"
    rc=$?
    [ $rc -eq 1 ] || fail "--db $1: exit $rc, not 1"
    grep -q "^credo run: $tmp/$1: $3" "$tmp/err" || fail "--db $1: unclear message: $(cat "$tmp/err")"
    [ "$(wc -l <"$tmp/out")" -eq "$2" ] || fail "--db $1: $(wc -l <"$tmp/out") lines out, not $2"
}
echo "this is not a database, only a text file that says so" >"$tmp/text.db"
db_case text.db 0 "file is not a database"
head -c 100000 "$db" >"$tmp/cut.db"
db_case cut.db 0 "database disk image is malformed"
# a table page in the middle overwritten: the rows before it are decided, then the run stops
cp "$db" "$tmp/corrupt.db"
printf '\377\377\377\377\377\377\377\377' | dd of="$tmp/corrupt.db" bs=1 seek=$((4096 * 100)) conv=notrunc 2>/dev/null
"$credo" run --as-of 2026-12-01 --db "$tmp/corrupt.db" --table apps "$tmp/bad.credo" >"$tmp/out" 2>"$tmp/err"
rc=$?
[ $rc -eq 1 ] || fail "--db corrupt.db: exit $rc, not 1"
n=$(wc -l <"$tmp/out")
[ "$n" -gt 0 ] && [ "$n" -lt 3000 ] || fail "--db corrupt.db: $n lines before the damage"
grep -q "^credo run: $tmp/corrupt.db: reading row $((n + 1)): database disk image is malformed" "$tmp/err" ||
    fail "--db corrupt.db: unclear message: $(cat "$tmp/err")"
head -c 4096 "$db" >"$tmp/header.db"   # only the first page: the table's pages are gone
db_case header.db 0 "database disk image is malformed"

# ---- --log: not SQLite, truncated, corrupt; it must never be overwritten --------------
cat >"$tmp/logged.credo" <<'EOF'
policy logged "with the identity a decision log needs" version "1" effective 2026-01-01 owner "risk"
input applicant { app_id: text
  x: int }
r = x + 1
EOF
awk 'BEGIN { for (i = 1; i <= 3000; i++) printf "{\"app_id\":\"A%d\",\"x\":%d}\n", i, i }' >"$tmp/ids.jsonl"
"$credo" run --as-of 2026-12-01 --log "$tmp/good.log" "$tmp/logged.credo" "$tmp/ids.jsonl" >"$tmp/out" 2>"$tmp/err" ||
    fail "a good log: $(cat "$tmp/err")"
# log_case NAME MESSAGE: --log NAME is refused (exit 1, nothing decided) and left as it was
log_case() {
    cp "$tmp/$1" "$tmp/before"
    "$credo" run --as-of 2026-12-01 --log "$tmp/$1" "$tmp/logged.credo" "$tmp/ids.jsonl" >"$tmp/out" 2>"$tmp/err"
    rc=$?
    [ $rc -eq 1 ] || fail "--log $1: exit $rc, not 1"
    grep -q "^credo run: $tmp/$1: $2" "$tmp/err" || fail "--log $1: unclear message: $(cat "$tmp/err")"
    [ -s "$tmp/out" ] && fail "--log $1: decisions written to stdout that no log holds"
    cmp -s "$tmp/before" "$tmp/$1" || fail "--log $1: the file was changed"
}
log_case text.db "file is not a database"
head -c 20000 "$tmp/good.log" >"$tmp/cut.log"
log_case cut.log "database disk image is malformed"
cp "$tmp/good.log" "$tmp/corrupt.log"
# the start of its fourth page, a b-tree page, whatever the page size
page=$(sqlite3 -readonly "$tmp/good.log" 'PRAGMA page_size') || fail "cannot read good.log's page size"
printf '\377\377\377\377\377\377\377\377' | dd of="$tmp/corrupt.log" bs=1 seek=$((page * 3)) conv=notrunc 2>/dev/null
"$credo" run --as-of 2026-12-01 --log "$tmp/corrupt.log" "$tmp/logged.credo" "$tmp/ids.jsonl" >"$tmp/out" 2>"$tmp/err"
rc=$?
[ $rc -eq 1 ] || fail "--log corrupt.log: exit $rc, not 1"
grep -q "^credo run: $tmp/corrupt.log: database disk image is malformed" "$tmp/err" ||
    fail "--log corrupt.log: unclear message: $(cat "$tmp/err")"
[ -s "$tmp/out" ] && fail "--log corrupt.log: decisions written to stdout"

# ---- a full disk under the decision log ------------------------------------------------
# The log is the record: what reached stdout is exactly what was committed,
# the run stops with exit 1 and says why, and the log verifies.
full_disk() {   # full_disk LOG: runs credo with LOG on a full disk, sets how
    "$credo" run --as-of 2026-12-01 --log "$1" "$tmp/logged.credo" "$tmp/ids.jsonl" >"$tmp/out" 2>"$tmp/err"
}
how=
mkdir "$tmp/small"
if [ "$(id -u)" -eq 0 ] && mount -t tmpfs -o size=1m credo-test "$tmp/small" 2>/dev/null; then
    mnt=$tmp/small
    how="a 1 MiB tmpfs"
    full_disk "$tmp/small/full.log"
    rc=$?
    want_err="database or disk is full"
elif (trap '' XFSZ; ulimit -f 2000) 2>/dev/null; then
    how="ulimit -f 2000"
    (trap '' XFSZ; ulimit -f 2000; full_disk "$tmp/small/full.log")
    rc=$?
    want_err="disk I/O error\|database or disk is full"
fi
if [ -n "$how" ]; then
    [ $rc -eq 1 ] || fail "full disk ($how): exit $rc, not 1"
    grep -q "^credo run: $tmp/small/full.log: \($want_err\)" "$tmp/err" ||
        fail "full disk ($how): unclear message: $(cat "$tmp/err")"
    n=$(wc -l <"$tmp/out")
    [ "$n" -lt 3000 ] || fail "full disk ($how): the disk never filled"
    ls -la "$tmp/small" >/dev/null
    rows=$(sqlite3 -readonly "$tmp/small/full.log" "SELECT count(*) FROM decisions") || fail "full disk: the log cannot be read"
    [ "$rows" -eq "$n" ] || fail "full disk ($how): $n lines on stdout but $rows rows in the log"
    "$credo" audit "$tmp/small/full.log" verify >"$tmp/verify" 2>&1 || fail "full disk: the log does not verify: $(cat "$tmp/verify")"
    full="full disk ($how) after $n decisions"
    [ -n "$mnt" ] && umount "$mnt" && mnt=
else
    full="full disk skipped: neither a tmpfs (needs root) nor ulimit -f is available"
    echo "bad_inputs: $full"
fi

# ---- stdout that cannot be written -------------------------------------------------
if [ -w /dev/full ]; then
    "$credo" run --as-of 2026-12-01 "$tmp/logged.credo" "$tmp/ids.jsonl" >/dev/full 2>"$tmp/err"
    rc=$?
    [ $rc -eq 1 ] || fail "> /dev/full: exit $rc, not 1"
    [ "$(cat "$tmp/err")" = "credo run: cannot write decisions: No space left on device" ] ||
        fail "> /dev/full: $(cat "$tmp/err")"
    "$credo" run --as-of 2026-12-01 --log "$tmp/full2.log" "$tmp/logged.credo" "$tmp/ids.jsonl" >/dev/full 2>"$tmp/err"
    rc=$?
    [ $rc -eq 1 ] || fail "--log and > /dev/full: exit $rc, not 1"
    grep -q "^credo run: cannot write decisions: No space left on device" "$tmp/err" ||
        fail "--log and > /dev/full: $(cat "$tmp/err")"
else
    echo "bad_inputs: no /dev/full: the failing stdout is skipped"
fi
echo "bad_inputs: 43 bad lines, 1 and 3 threads; --db and --log not SQLite, cut short, corrupt; $full; stdout full"
