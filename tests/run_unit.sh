#!/bin/sh
# Runs every cmocka unit test binary given; records the totals in
# RESULTS/unit.count for tests/summary.sh.  Usage: run_unit.sh RESULTS BIN...
results=$1; shift
mkdir -p "$results"
passed=0; failed=0
for bin in "$@"; do
    out=$("$bin" 2>&1); rc=$?
    p=$(printf '%s\n' "$out" | sed -n 's/^\[  PASSED  \] \([0-9]*\) test.*/\1/p' | tail -1)
    f=$(printf '%s\n' "$out" | sed -n 's/^\[  FAILED  \] \([0-9]*\) test.*/\1/p' | tail -1)
    p=${p:-0}; f=${f:-0}
    if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then f=1; fi   # crashed before reporting
    if [ "$f" -ne 0 ]; then printf '%s\n' "$out"; echo "FAIL $bin"; fi
    passed=$((passed + p)); failed=$((failed + f))
done
echo "unit ($results): $passed passed, $failed failed"
echo "$passed $failed" > "$results/unit.count"
[ "$failed" -eq 0 ]
