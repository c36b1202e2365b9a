#!/bin/sh
# A decision log survives kill -9, and a batch cut short at 23:59 resumes
# at 00:01 as of the date it began.  100,000 applications (the reference
# 5,000 twenty times, app_id made unique) go to `credo run --log` without
# --as-of, at 23:59:50 on 2026-12-01 (faketime), which is killed with
# SIGKILL once part of them is committed.  What is left must verify as a
# valid prefix; the same command again, without --as-of, at 00:01 on
# 2026-12-02, must resume the run as of 2026-12-01 and complete the log:
# exactly 100,000 rows, 100,000 distinct app_ids, all as of 2026-12-01,
# an intact chain, the run marked finished.
# Needs the sqlite3 tool and faketime (.ci/run installs both).  About 10 s.
set -u
credo=${CREDO:-build/credo}
tmp=$(mktemp -d)
pid=
cleanup() {
    [ -n "$pid" ] && kill -9 "$pid" 2>/dev/null
    rm -rf "$tmp"
}
trap cleanup EXIT
fail() { echo "FAIL: $*"; exit 1; }
command -v sqlite3 >/dev/null 2>&1 || fail "the sqlite3 tool is needed (.ci/run installs it)"
# faketime's library, preloaded here rather than through the faketime
# command, which would run credo as its child: the kill must reach credo
fakelib=
for f in /usr/lib/*/faketime/libfaketime.so.1 /usr/lib/faketime/libfaketime.so.1; do
    [ -f "$f" ] && fakelib=$f && break
done
[ -n "$fakelib" ] || fail "faketime is needed (.ci/run installs it)"
# An AddressSanitizer build wants its library first, and is told not to
# mind.  The clock runs on from the time given; the monotonic clock
# (credo run's batch timer) is left alone.
export ASAN_OPTIONS="${ASAN_OPTIONS:-}${ASAN_OPTIONS:+:}verify_asan_link_order=0"
export DONT_FAKE_MONOTONIC=1

apps=$tmp/apps.jsonl
db=$tmp/d.db
for r in 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20; do
    sed "s/\"app_id\":\"APP/\"app_id\":\"R$r-APP/" tests/reference/applicants.jsonl
done >"$apps"
[ "$(wc -l <"$apps")" -eq 100000 ] || fail "could not build the 100,000 applications"

# rows committed so far; 0 while the log is still being created
rows() {
    n=$(sqlite3 -readonly "$db" "SELECT coalesce(max(seq), 0) FROM decisions" 2>/dev/null) || n=0
    echo "${n:-0}"
}

# run TIME: the command without --as-of, at TIME.  exec: in the background
# the function runs in a subshell, and the kill must reach credo itself
run() {
    exec env LD_PRELOAD="$fakelib" FAKETIME="@$1" "$credo" run --log "$db" policies/sme_tax_loan.credo "$apps"
}

# ---- the run that gets killed, once at least 10,000 rows are committed
run "2026-12-01 23:59:50" >"$tmp/out1" 2>"$tmp/err1" &
pid=$!
tries=0
while [ "$(rows)" -lt 10000 ]; do
    kill -0 "$pid" 2>/dev/null || fail "credo run ended before it could be killed: $(cat "$tmp/err1")"
    tries=$((tries + 1))
    [ $tries -le 3000 ] || fail "fewer than 10,000 rows after 60 s"
    sleep 0.02
done
kill -9 "$pid"
wait "$pid" 2>/dev/null
pid=
killed_at=$(rows)
[ "$killed_at" -lt 100000 ] || fail "credo run finished before the kill; nothing was tested"
grep -q 'decisions logged' "$tmp/err1" && fail "the killed run printed its summary: $(cat "$tmp/err1")"
[ "$(sqlite3 "$db" "SELECT DISTINCT as_of FROM decisions")" = 2026-12-01 ] || fail "the first run was not as of 2026-12-01"

# what the crash left is a valid chain
out=$("$credo" audit "$db" verify) || fail "verify after the kill: $out"
[ "$(echo "$out" | head -1)" = "$killed_at decisions verified" ] || fail "verify after the kill said: $out"
# the lines written before the kill are a prefix of what the log holds
[ "$(wc -l <"$tmp/out1")" -le "$killed_at" ] || fail "stdout ran ahead of the log: $(wc -l <"$tmp/out1") lines, $killed_at rows"
[ "$(sqlite3 "$db" "SELECT count(*) FROM runs WHERE finished IS NULL")" = 1 ] || fail "the killed run is not unfinished"

# ---- the same command again, after midnight, to completion
(run "2026-12-02 00:01:00") >"$tmp/out2" 2>"$tmp/err2" || fail "the second run exited $?: $(cat "$tmp/err2")"
grep -q ": resuming run 1 over the same policy and input, which did not finish: as of 2026-12-01, the date it recorded" "$tmp/err2" ||
    fail "the second run did not say it resumes: $(cat "$tmp/err2")"
grep -q ": $((100000 - killed_at)) decisions logged (0 superseding an earlier decision), $killed_at already logged (skipped)$" "$tmp/err2" ||
    fail "second run's summary (killed at $killed_at): $(cat "$tmp/err2")"
[ "$(wc -l <"$tmp/out2")" -eq 100000 ] || fail "the second run did not write 100,000 lines"

counts=$(sqlite3 "$db" "SELECT count(*), count(DISTINCT app_id), min(seq), max(seq), min(as_of), max(as_of) FROM decisions")
[ "$counts" = "100000|100000|1|100000|2026-12-01|2026-12-01" ] || fail "rows, distinct app_ids, seq range, as_of: $counts"
[ "$(sqlite3 "$db" "SELECT count(*) FROM runs WHERE finished IS NULL")" = 0 ] || fail "a run is left unfinished"
out=$("$credo" audit "$db" verify) || fail "verify after the second run: $out"
[ "$(echo "$out" | head -1)" = "100000 decisions verified" ] || fail "verify said: $out"
echo "log_kill: killed at $killed_at rows; resumed the next day as of 2026-12-01; 100000 decisions verified"
