#!/bin/sh
# Profiles credo's decide-only path: sh tests/bench/profile.sh [BUILD [POLICY]]
# (run `make bench` first: it builds BUILD/bench/bench_credo, floor and gen).
#
# perf: 20,000 applicants decided 10 times (the untimed reading before is a
# small share of the samples), flat profile by symbol.
# callgrind: 2,000 applicants decided once, counting only inside the timed
# pass (--toggle-collect=decide_pass: cr_session_begin and cr_session_run
# for each applicant), so the totals are exactly the decide-only path, and
# not bench_credo's timing of cr_session_begin alone or its extra pass that
# counts VM instructions; exclusive and inclusive costs.  No call counts:
# callgrind's are not always calls (it gives cr_dec_sqrt 2 per decision
# where a gdb breakpoint counts the 1 call that stdev makes).
# For the reference policy, callgrind also counts the floor's timed pass
# (tests/bench/floor.c, --toggle-collect=floor_pass) on the same 2,000
# applicants: the instructions per decision any VM over credo's values
# needs at least, next to the VM's.
# $PIN is split into words on purpose.
# shellcheck disable=SC2086
set -u
BUILD=${1:-build}
POLICY=${2:-policies/sme_tax_loan.credo}
OUT=$BUILD/bench
B=$OUT/bench_credo
if [ ! -x "$B" ] || [ ! -x "$OUT/gen" ]; then
    echo "profile: run make bench first (needs $B and $OUT/gen)" >&2
    exit 1
fi
PIN=
if command -v taskset > /dev/null 2>&1 && taskset -c 0 true 2> /dev/null; then
    PIN="taskset -c 0"
fi
"$OUT/gen" 20000 > "$OUT/profile-20000.jsonl" || exit 1
head -2000 "$OUT/profile-20000.jsonl" > "$OUT/profile-2000.jsonl"

if command -v perf > /dev/null 2>&1; then
    echo "== perf: decide-only, $POLICY, 20,000 applicants x 10 =="
    if perf record -q -o "$OUT/perf.data" $PIN "$B" decide "$POLICY" "$OUT/profile-20000.jsonl" 10 > /dev/null 2>&1; then
        perf report -i "$OUT/perf.data" --stdio --no-children --sort symbol 2> /dev/null | grep -v '^#' | grep -v '^$' | head -40
    else
        echo "(perf record failed: perf_event_paranoid is $(cat /proc/sys/kernel/perf_event_paranoid 2> /dev/null))"
    fi
    echo
fi

if command -v valgrind > /dev/null 2>&1; then
    echo "== callgrind: decide-only, $POLICY, 2,000 applicants, one timed pass (cr_session_begin + cr_session_run) =="
    # per_decision NAME PROG PASS: callgrind counts PROG's function PASS
    # over one decide pass into $OUT/NAME.out; prints instructions per decision
    per_decision() {
        BENCH_MIN_SECONDS=0 valgrind --tool=callgrind --callgrind-out-file="$OUT/$1.out" --toggle-collect="$3*" \
            "$2" decide "$POLICY" "$OUT/profile-2000.jsonl" 1 > /dev/null 2> "$OUT/$1.log"
        total=$(sed -n 's/.*Collected : *\([0-9]*\).*/\1/p' "$OUT/$1.log")
        echo $((${total:-0} / 2000))
    }
    echo "instructions per decision: $(per_decision callgrind "$B" decide_pass)"
    if [ "$POLICY" = policies/sme_tax_loan.credo ] && [ -x "$OUT/floor" ]; then
        echo "the floor's (tests/bench/floor.c, no VM): $(per_decision callgrind-floor "$OUT/floor" floor_pass)"
    fi
    echo "-- exclusive --"
    callgrind_annotate "$OUT/callgrind.out" 2> /dev/null | sed -n '/file:function/,$p' | grep '^ *[0-9,]* (' |
        sed -n '1,20p'
    echo "-- inclusive --"
    callgrind_annotate --inclusive=yes "$OUT/callgrind.out" 2> /dev/null | sed -n '/file:function/,$p' | grep '\[' |
        grep -v -e 'libc-start' -e 'below main' -e 'bench_credo.c' -e 'ld-linux' | sed -n '1,20p'
fi
