#!/bin/sh
# Reference data as it was read: a SQLite lookup in WAL mode changed by a
# writer that has not checkpointed (its rows are in the -wal file, the
# database file is as it was).  The SHA-256 credo records changes with the
# rows; a policy that pins the old hash, or a minimum row count, refuses
# to load; no message quotes a row.  Needs the sqlite3 tool (.ci/run).
set -u
credo=${CREDO:-build/credo}
tmp=$(mktemp -d)
writer=
cleanup() { [ -n "$writer" ] && kill "$writer" 2>/dev/null; rm -rf "$tmp"; }
trap cleanup EXIT
fail() { echo "FAIL: $*"; exit 1; }
command -v sqlite3 >/dev/null 2>&1 || fail "the sqlite3 tool is needed (.ci/run installs it)"

db=$tmp/lists.db
sqlite3 "$db" "PRAGMA journal_mode=WAL; CREATE TABLE blacklist(uscc TEXT, reason TEXT);
  INSERT INTO blacklist VALUES ('91110108MAD272HD3U', 'fraud ring 7'), ('91310000MA1FL4XQ2K', 'sanctions');" >/dev/null
policy() { # PINS: a policy reading the blacklist with these pins
    cat <<P
policy screen version "1" effective 2026-12-01 owner "risk"
input app { app_id: text, uscc: text }
lookup blacklist from sqlite "lists.db" table blacklist key uscc $1 {
  reason: text
}
reject BLACKLISTED when blacklist has uscc
P
}
app='{"app_id":"A1","uscc":"91110108MAD272HD3U"}'
hash_of() { "$credo" explain --json --as-of 2026-12-01 "$tmp/p.credo" - <<A | sed -n 's/.*"table":"blacklist","key":"uscc","rows":\([0-9]*\),"sha256":"\([0-9a-f]*\)".*/\1 \2/p'
$app
A
}
policy "" >"$tmp/p.credo"
before=$(hash_of)
[ "$before" != "" ] || fail "no lookup in explain"
file_before=$(sha256sum "$db" | cut -d' ' -f1)

# the writer empties the blacklist and stays connected, so nothing is
# checkpointed.  Every sqlite3 here waits on a lock instead of failing at
# once: a reader opening the database can hold it for WAL recovery just as
# the writer starts, and a writer without a busy timeout then gives up.
mkfifo "$tmp/w"
sqlite3 -cmd '.timeout 10000' "$db" <"$tmp/w" >"$tmp/w.out" 2>"$tmp/w.err" &
writer=$!
exec 3>"$tmp/w"
echo "PRAGMA wal_autocheckpoint=0; DELETE FROM blacklist; SELECT 'deleted';" >&3
n=0
until grep -q deleted "$tmp/w.out"; do
    n=$((n + 1)); [ $n -lt 300 ] || fail "the writer did not commit: $(cat "$tmp/w.err")"; sleep 0.1
done
[ "$(sqlite3 -cmd '.timeout 10000' "$db" 'SELECT count(*) FROM blacklist')" = 0 ] ||
    fail "the writer's DELETE is not visible to a reader"
[ -s "$db-wal" ] || fail "no WAL file: the test does not test what it says"
[ "$(sha256sum "$db" | cut -d' ' -f1)" = "$file_before" ] || fail "the database file changed: checkpointed already"

after=$(hash_of)
[ "${after%% *}" = 0 ] || fail "credo did not read the emptied table: $after"
[ "${before#* }" != "${after#* }" ] || fail "the same SHA-256 for 2 rows and for 0: $before"

policy "sha256 \"${before#* }\"" >"$tmp/p.credo"
printf '%s\n' "$app" | "$credo" run --as-of 2026-12-01 "$tmp/p.credo" >"$tmp/out" 2>"$tmp/err"
[ $? = 1 ] || fail "a pinned hash that no longer matches loaded"
[ -s "$tmp/out" ] && fail "decided with changed data"
grep -q "lookup blacklist: lists.db table blacklist has SHA-256 ${after#* }, but the policy pins ${before#* }: the data changed" \
    "$tmp/err" || fail "message: $(cat "$tmp/err")"

policy "min_rows 1" >"$tmp/p.credo"
printf '%s\n' "$app" | "$credo" run --as-of 2026-12-01 "$tmp/p.credo" >"$tmp/out" 2>"$tmp/err"
[ $? = 1 ] || fail "an emptied blacklist loaded under min_rows 1"
grep -q "p.credo:3:[0-9]*: error: lookup blacklist: lists.db table blacklist has 0 rows, but the policy requires at least 1" \
    "$tmp/err" || fail "message: $(cat "$tmp/err")"
grep -q "fraud ring\|MAD272" "$tmp/err" && fail "a message quotes the table"

# the writer puts the rows back: the pinned hash loads again and the applicant is rejected
echo "INSERT INTO blacklist VALUES ('91110108MAD272HD3U', 'fraud ring 7'), ('91310000MA1FL4XQ2K', 'sanctions');" >&3
exec 3>&-
wait "$writer" || fail "the writer failed: $(cat "$tmp/w.err")"
writer=
policy "sha256 \"${before#* }\" min_rows 1" >"$tmp/p.credo"
out=$(printf '%s\n' "$app" | "$credo" run --as-of 2026-12-01 "$tmp/p.credo") || fail "the pinned data no longer loads"
[ "$out" = '{"app_id":"A1","decision":"REJECT","reasons":["BLACKLISTED"]}' ] || fail "decided $out"
echo "lookup_wal: the SHA-256 follows the rows read, WAL included; pins refuse changed or emptied data"
