#!/bin/sh
# A forger with write access to a decision log, the sqlite3 tool and the
# documented hash rule, but without the log's key (tests/golden/audit/forge.c
# recomputes every hash from a row on with plain SHA-256), tries each way:
#   a. changes one decision and recomputes every later hash
#   b. deletes a row and renumbers the rest
#   c. the same, and recomputes every hash from there
#   d. cuts rows off the end (and the checkpoint after the cut)
#   e. drops the triggers and edits a row
#   f. marks the log as not keyed and recomputes the whole chain
# With the key, the signer's public key and an anchor kept elsewhere,
# `credo audit verify` fails on every one (exit 1) and names the first row
# affected; the untouched log verifies.  A log without a key shows the
# limit: a rewrite passes alone and is caught by a signed checkpoint or an
# anchor, which can name a range of rows, not the row.
# Needs cc, nettle and the sqlite3 tool (.ci/run installs them).
set -u
credo=${CREDO:-build/credo}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "audit_forge: $*"; exit 1; }
command -v sqlite3 >/dev/null 2>&1 || fail "the sqlite3 tool is needed (.ci/run installs it)"
# shellcheck disable=SC2046
${CC:-cc} -O1 -o "$tmp/forge" tests/golden/audit/forge.c $(pkg-config --cflags --libs nettle sqlite3) ||
    fail "cannot build tests/golden/audit/forge.c"
forge() { "$tmp/forge" "$@" >/dev/null || fail "forge $*"; }

policy=policies/sme_tax_loan.credo
apps=tests/reference/applicants.jsonl
"$credo" keygen "$tmp/signer" >/dev/null || fail "keygen"
head -c 32 /dev/urandom >"$tmp/log.key"
db=$tmp/k.db
"$credo" run --as-of 2026-12-01 --log "$db" --log-key "$tmp/log.key" --log-sign "$tmp/signer.key" $policy $apps \
    >/dev/null 2>"$tmp/err" || fail "run --log-key --log-sign: $(cat "$tmp/err")"
grep -q ', 1 checkpoint signed$' "$tmp/err" || fail "run's summary: $(cat "$tmp/err")"
"$credo" audit "$db" anchor --key "$tmp/log.key" --sign "$tmp/signer.key" >"$tmp/anchor" || fail "anchor"
grep -q '^seq 5000$' "$tmp/anchor" || fail "the anchor: $(cat "$tmp/anchor")"
grep -q '^signature [0-9a-f]\{128\}$' "$tmp/anchor" || fail "the anchor is not signed: $(cat "$tmp/anchor")"

# check DB: verify with everything an auditor keeps; prints the output
check() {
    "$credo" audit "$1" verify --key "$tmp/log.key" --trust "$tmp/signer.pub" --checkpoint "$tmp/anchor" 2>&1
}
out=$(check "$db") || fail "the untouched log: $out"
echo "$out" | grep -q '^5000 decisions verified, every row.s MAC with key id [0-9a-f]\{16\}, 1 signed checkpoint by the trusted key, the anchor.s head at seq 5000 matches$' ||
    fail "the untouched log: $out"

# expect NAME WANT: the forged copy NAME fails, first line WANT
expect() {
    out=$(check "$tmp/$1.db")
    rc=$?
    [ $rc -eq 1 ] || fail "$1: verify exited $rc: $out"
    echo "$out" | grep -v '^credo audit: .*note:' | head -1 | grep -q "^$2" || fail "$1: $out"
}
copy() { cp "$db" "$tmp/$1.db"; }

# a. one decision changed, every later hash recomputed
copy a
sqlite3 "$tmp/a.db" "DROP TRIGGER decisions_no_update;
    UPDATE decisions SET outcome = 'APPROVE', reasons = '[]', fired = '[]',
        results = replace(results, '\"decision\":\"REJECT\",\"reasons\":[\"SCORE_LOW\"]', '\"decision\":\"APPROVE\",\"reasons\":[]')
    WHERE seq = 5" || fail "a: sqlite3"
[ "$(sqlite3 "$tmp/a.db" "SELECT outcome FROM decisions WHERE seq = 5")" = APPROVE ] || fail "a: the edit did nothing"
forge "$tmp/a.db" rechain 5
expect a 'seq 5 (app_id APP00000005): altered: its contents do not match its row_hash'

# b. a row deleted, the rest renumbered
copy b
sqlite3 "$tmp/b.db" "DROP TRIGGER decisions_no_update; DROP TRIGGER decisions_no_delete;
    DELETE FROM decisions WHERE seq = 777; UPDATE decisions SET seq = seq - 1 WHERE seq > 777" || fail "b: sqlite3"
expect b 'seq 777 (app_id APP00000778): out of order: its prev_hash is not the row_hash of seq 776'

# c. the same, every hash from there recomputed
copy c
sqlite3 "$tmp/c.db" "DROP TRIGGER decisions_no_update; DROP TRIGGER decisions_no_delete;
    DELETE FROM decisions WHERE seq = 777; UPDATE decisions SET seq = seq - 1 WHERE seq > 777" || fail "c: sqlite3"
forge "$tmp/c.db" rechain 777
expect c 'seq 777 (app_id APP00000778): altered'

# d. rows cut off the end, and the checkpoint with them
copy d
sqlite3 "$tmp/d.db" "DROP TRIGGER decisions_no_delete; DROP TRIGGER checkpoints_no_delete;
    DELETE FROM decisions WHERE seq > 4990; DELETE FROM checkpoints WHERE seq > 4990" || fail "d: sqlite3"
expect d 'truncated: the anchor names seq 5000, the log ends at seq 4990'
out=$("$credo" audit "$tmp/d.db" verify --key "$tmp/log.key" 2>&1) || fail "d: without the anchor: $out"
echo "$out" | grep -q '^4990 decisions verified' || fail "d: without the anchor: $out"

# e. the triggers dropped and a row edited, no hash recomputed
copy e
sqlite3 "$tmp/e.db" "DROP TRIGGER decisions_no_update;
    UPDATE decisions SET application = replace(application, '\"age\":', '\"age\": ') WHERE seq = 42" || fail "e: sqlite3"
expect e 'seq 42 (app_id APP00000042): altered'
check "$tmp/e.db" | grep -q 'note: the append-only triggers have been dropped' || fail "e: no note of the triggers"

# f. the log said to have no key, and the whole chain recomputed without one
copy f
sqlite3 "$tmp/f.db" "UPDATE log SET keyed = 0, key_id = NULL" || fail "f: sqlite3"
forge "$tmp/f.db" rechain 1
expect f "the log's record says it has no key, but a key was given"
out=$("$credo" audit "$tmp/f.db" verify --trust "$tmp/signer.pub" 2>&1) && fail "f: verify with --trust passed: $out"
echo "$out" | grep -q '^checkpoint at seq 5000: the log.s row_hash at seq 5000 is not the head that was signed' ||
    fail "f: verify with --trust: $out"

# ---- a log without a key: what a forger can and cannot do ------------------------
# five runs of 1,000 lines, each signed at its end: checkpoints at 1000..5000
plain=$tmp/plain.db
for i in 0 1 2 3 4; do
    sed -n "$((i * 1000 + 1)),$((i * 1000 + 1000))p" $apps >"$tmp/part"
    "$credo" run --as-of 2026-12-01 --log "$plain" --log-sign "$tmp/signer.key" $policy "$tmp/part" >/dev/null 2>&1 ||
        fail "plain run $i"
done
"$credo" audit "$plain" anchor >"$tmp/plain.anchor" || fail "plain anchor"
before=$(sqlite3 "$plain" "SELECT results FROM decisions WHERE seq = 2505")
sqlite3 "$plain" "DROP TRIGGER decisions_no_update;
    UPDATE decisions SET results = replace(results, '\"limit\":', '\"limit\":1') WHERE seq = 2505" || fail "plain: sqlite3"
[ "$(sqlite3 "$plain" "SELECT results FROM decisions WHERE seq = 2505")" != "$before" ] || fail "plain: the edit did nothing"
forge "$plain" rechain 2505
cp "$plain" "$tmp/plain2.db"
# the signed checkpoints after the edit no longer hold
out=$("$credo" audit "$plain" verify 2>&1) && fail "plain: a rewrite passed its checkpoints: $out"
echo "$out" | grep -q '^checkpoint at seq 3000: the log.s row_hash at seq 3000 is not the head that was signed: a row after seq 2000 and at or before seq 3000 was rewritten$' ||
    fail "plain, checkpoints: $out"
echo "$out" | grep -q '^verification FAILED: 2000 rows intact before it$' || fail "plain, checkpoints: $out"
# with those checkpoints removed too, the log passes alone, with --trust
# (rows after the last checkpoint are not covered), and fails against the anchor
sqlite3 "$tmp/plain2.db" "DROP TRIGGER checkpoints_no_delete; DELETE FROM checkpoints WHERE seq > 2505" || fail "plain2"
out=$("$credo" audit "$tmp/plain2.db" verify --trust "$tmp/signer.pub" 2>&1) || fail "plain2, --trust: $out"
echo "$out" | grep -q '^note: rows after the last checkpoint (seq 2001..5000) are not covered by a signature$' ||
    fail "plain2, --trust: $out"
out=$("$credo" audit "$tmp/plain2.db" verify --checkpoint "$tmp/plain.anchor" 2>&1) && fail "plain2: the anchor passed"
echo "$out" | grep -q "^the anchor's head (seq 5000) is not this log's row_hash at seq 5000: a row after seq 2000 and at or before seq 5000 was rewritten$" ||
    fail "plain2, anchor: $out"

# ---- bad keys: refused, never quoted --------------------------------------------
printf 'SECRET-SHORT' >"$tmp/short.key"
"$credo" audit "$db" verify --key "$tmp/short.key" >"$tmp/out" 2>&1 && fail "a short key was accepted"
grep -q "short.key: a log key must be 32 to 4096 bytes" "$tmp/out" || fail "short key: $(cat "$tmp/out")"
"$credo" run --log "$tmp/new.db" --log-key "$tmp/short.key" $policy $apps >"$tmp/out" 2>&1 && fail "run took a short key"
grep -q 'SECRET' "$tmp/out" && fail "a key's contents were printed: $(cat "$tmp/out")"
[ -e "$tmp/new.db" ] && fail "a refused key left a log behind"
echo "audit_forge: 6 forgeries of a keyed log caught, each naming its first row; a rewrite of a log without a key caught by a checkpoint and an anchor"
