#!/bin/sh
# The decision log names the program that ran, not only its source: every
# row of a run from a signed .credoc carries the program_sha256 that
# `credo compile` printed and the key id that signed it, inside the hash
# chain.  `credo audit show` compiles the stored source again and says
# whether it is the same program; a forger who swaps a row's program (to
# one another build of the policy made) or edits the recorded hash fails
# `credo audit verify --key`, which names the first row affected.
# Needs the sqlite3 tool (.ci/run installs it).
set -u
credo=${CREDO:-build/credo}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "audit_program: $*"; exit 1; }
command -v sqlite3 >/dev/null 2>&1 || fail "the sqlite3 tool is needed (.ci/run installs it)"

keys=tests/golden/keys
"$credo" compile --sign $keys/release.key policies/sme_tax_loan.credo -o "$tmp/sme.credoc" >"$tmp/compiled" 2>&1 ||
    fail "compile --sign: $(cat "$tmp/compiled")"
program=$(sed -n 's/.*program sha256 \([0-9a-f]\{64\}\).*/\1/p' "$tmp/compiled")
signer=$(sed -n 's/.*signed by key \([0-9a-f]\{16\}\).*/\1/p' "$tmp/compiled")
[ -n "$program" ] && [ -n "$signer" ] || fail "compile printed no program hash or signer: $(cat "$tmp/compiled")"

head -c 32 /dev/urandom >"$tmp/log.key"
db=$tmp/log.db
head -20 tests/reference/applicants.jsonl >"$tmp/apps.jsonl"
"$credo" run --trust $keys/release.pub --as-of 2026-12-01 --log "$db" --log-key "$tmp/log.key" \
    "$tmp/sme.credoc" "$tmp/apps.jsonl" >/dev/null 2>"$tmp/err" || fail "run --log: $(cat "$tmp/err")"

rows=$(sqlite3 "$db" "SELECT count(*) FROM decisions d JOIN programs g ON g.id = d.program
                      WHERE g.sha256 = '$program' AND g.signed_by = '$signer'")
[ "$rows" = 20 ] || fail "$rows of 20 rows name program $program signed by $signer"

app=$(sqlite3 "$db" "SELECT app_id FROM decisions WHERE seq = 3")
"$credo" audit "$db" show "$app" --key "$tmp/log.key" >"$tmp/show" 2>&1 || fail "show: $(cat "$tmp/show")"
grep -q "^  program   sha256 $program, compiled again: the same program$" "$tmp/show" || fail "show: $(cat "$tmp/show")"
grep -q "^replay: identical$" "$tmp/show" || fail "show: $(cat "$tmp/show")"

verify() { "$credo" audit "$1" verify --key "$tmp/log.key" 2>&1; }
out=$(verify "$db") || fail "the untouched log: $out"

# a. the recorded program hash edited (no trigger guards the programs table)
cp "$db" "$tmp/a.db"
sqlite3 "$tmp/a.db" "UPDATE programs SET sha256 = '$(printf '%064d' 0)'"
out=$(verify "$tmp/a.db")
[ $? = 1 ] || fail "an edited program hash verified: $out"
echo "$out" | grep -q "^seq 1 (app_id [^)]*): altered" || fail "a: $out"

# b. one row made to name another program of the same policy (an unsigned
#    build): the row's program id changes, its hash was made with the other
cp "$db" "$tmp/b.db"
sqlite3 "$tmp/b.db" "INSERT INTO programs (sha256, policy) SELECT '$(printf '%064d' 1)', policy FROM programs;
    DROP TRIGGER decisions_no_update;
    UPDATE decisions SET program = (SELECT max(id) FROM programs) WHERE seq = 7"
out=$(verify "$tmp/b.db")
[ $? = 1 ] || fail "a row moved to another program verified: $out"
echo "$out" | grep -q "^seq 7 (app_id [^)]*): altered" || fail "b: $out"

# c. a row whose program belongs to no stored policy
cp "$db" "$tmp/c.db"
sqlite3 "$tmp/c.db" "UPDATE programs SET policy = 99"
out=$(verify "$tmp/c.db")
[ $? = 1 ] || fail "a program of no policy verified: $out"
echo "$out" | grep -q "^seq 1 (app_id [^)]*): its program is not in the programs table, or not its policy's" ||
    fail "c: $out"

# d. another build of the source (another compiler, or changed reference
#    data) is a different program: show says so and still replays
sqlite3 "$db" "DROP TRIGGER decisions_no_update; UPDATE programs SET sha256 = '$(printf '%064d' 2)'"
"$credo" audit "$db" show "$app" >"$tmp/show" 2>&1
grep -q "^  program   sha256 0\{63\}2, compiled again: ANOTHER PROGRAM, sha256 $program$" "$tmp/show" ||
    fail "show of another build: $(cat "$tmp/show")"
echo "audit_program: 20 rows name the signed program that ran; show compiles it again; 3 forgeries of the program fail verify"
