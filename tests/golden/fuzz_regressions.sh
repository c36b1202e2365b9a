#!/bin/sh
# Replays every input the fuzzers ever crashed on (tests/fuzz/regressions/
# <target>/, kept by tests/fuzz/run.sh) through its target, without
# libFuzzer: tests/fuzz/replay.c and tests/fuzz/fuzz_<target>.c built with
# the normal compiler against the libcredo.a next to $CREDO, with the
# sanitizers when that library has them (the san build of `make test`).
# Each target also replays a few seeds, so a target that no longer builds
# or runs is noticed even with no crash on record.
set -u
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "fuzz_regressions: $*"; exit 1; }
. tests/build_with_lib.sh

# a few seeds per target
mkdir -p "$tmp/seeds/compile" "$tmp/seeds/run" "$tmp/seeds/json" "$tmp/seeds/credoc" "$tmp/seeds/lookup"
cp tests/golden/lookup/sectors.csv "$tmp/seeds/lookup/"
printf 'code,name,amount,n,on,flag\nK1,"a, ""b""",12.50,3,2026-01-31,true\r\nK2,,,,,\n' >"$tmp/seeds/lookup/typed"
cp policies/sme_tax_loan.credo tests/golden/exact_decimal.credo "$tmp/seeds/compile/"
{ cat policies/sme_tax_loan.credo; printf '\n---\n'; head -3 tests/reference/applicants.jsonl; } >"$tmp/seeds/run/reference"
cp tests/golden/run_bad_inputs.credo "$tmp/seeds/run/"
head -1 tests/reference/applicants.jsonl >"$tmp/seeds/json/first"
printf '{"app_id":"X","age":[[[' >"$tmp/seeds/json/cut"
"$credo" compile policies/sme_tax_loan.credo -o "$tmp/seeds/credoc/reference.credoc" >/dev/null 2>&1 ||
    fail "credo compile failed"

total=0
for src in tests/fuzz/fuzz_*.c; do
    t=$(basename "$src" .c)
    t=${t#fuzz_}
    build_with_lib "$tmp/replay_$t" tests/fuzz/replay.c "$src" || fail "cannot build the replay of $src"
    "$tmp/replay_$t" "$tmp/seeds/$t" tests/fuzz/regressions/"$t" >"$tmp/out" 2>&1 ||
        { tail -30 "$tmp/out"; fail "fuzz_$t: an input fails (replay it: $tmp/replay_$t -v FILE)"; }
    n=$(sed -n 's/^replayed \([0-9]*\) inputs$/\1/p' "$tmp/out")
    [ -n "$n" ] || { tail -30 "$tmp/out"; fail "fuzz_$t: the replay did not finish"; }
    regress=$(ls tests/fuzz/regressions/"$t" 2>/dev/null | wc -l)
    echo "fuzz_$t: $regress regression input(s) and $((n - regress)) seed(s) replayed"
    total=$((total + regress))
done
echo "fuzz_regressions: $total crash input(s) replayed, none crashes"
