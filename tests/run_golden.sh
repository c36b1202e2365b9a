#!/bin/sh
# Golden tests of the credo command.  For each tests/golden/NAME.credo:
#   NAME.jsonl present:  credo run $(cat NAME.args) NAME.credo NAME.jsonl
#   otherwise:           credo check NAME.credo
# stdout and stderr together, then "exit: N", must equal NAME.out.
# UPDATE=1 rewrites the .out files (review the diff before committing).
# Usage: run_golden.sh RESULTS CREDO
results=$1; credo=$2
mkdir -p "$results"
dir=tests/golden
passed=0; failed=0
tmp=$(mktemp)
for policy in "$dir"/*.credo; do
    name=${policy%.credo}
    args=""
    [ -f "$name.args" ] && args=$(cat "$name.args")
    if [ -f "$name.jsonl" ]; then
        # shellcheck disable=SC2086
        "$credo" run $args "$policy" "$name.jsonl" >"$tmp" 2>&1
    else
        # shellcheck disable=SC2086
        "$credo" check $args "$policy" >"$tmp" 2>&1
    fi
    echo "exit: $?" >>"$tmp"
    if [ "${UPDATE:-0}" = 1 ]; then cp "$tmp" "$name.out"; fi
    if diff -u "$name.out" "$tmp" >/dev/null 2>&1; then
        passed=$((passed + 1))
    else
        failed=$((failed + 1))
        echo "FAIL golden $name"
        diff -u "$name.out" "$tmp" | head -40
    fi
done
# Scripted checks: each tests/golden/*.sh exits 0 on success.
for script in "$dir"/*.sh; do
    [ -f "$script" ] || continue
    if CREDO=$credo sh "$script" >"$tmp" 2>&1; then
        passed=$((passed + 1))
    else
        failed=$((failed + 1))
        echo "FAIL $script"
        head -40 "$tmp"
    fi
done
rm -f "$tmp"
echo "golden ($results): $passed passed, $failed failed"
echo "$passed $failed" > "$results/golden.count"
[ "$failed" -eq 0 ]
