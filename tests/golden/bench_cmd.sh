#!/bin/sh
# credo bench POLICY INPUT: the report's shape, never its timing: the
# policy and how many applications were decided, decisions/s and
# microseconds per decision as positive numbers, instructions per decision
# as the VM counts them (least <= mean <= most), and the parts with the
# most comparisons and tests, each at file:line, busiest first.
# Runs from the project root with the credo binary in $CREDO; exit 0 = pass.
set -u
credo=${CREDO:-build/credo}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "bench_cmd.sh: $*"; exit 1; }

timeout 120 "$credo" bench --as-of=2026-12-01 --seconds 0.05 --top 5 policies/sme_tax_loan.credo examples/applicants.jsonl >"$tmp/out" 2>&1 \
    || { cat "$tmp/out"; fail "credo bench failed"; }
python3 - "$tmp/out" <<'PY' || { cat "$tmp/out"; fail "the report's shape"; }
import re, sys
lines = open(sys.argv[1]).read().splitlines()
assert re.fullmatch(r"policy sme_tax_loan 2026\.11\.1, 26 applications of examples/applicants\.jsonl \(24 decided, 2 errors\), best of \d+ passes", lines[0]), lines[0]
m = re.fullmatch(r"decisions/s: +(\d+)", lines[1]); assert m and int(m.group(1)) > 0, lines[1]
m = re.fullmatch(r"microseconds per decision: +(\d+\.\d\d)", lines[2]); assert m and float(m.group(1)) > 0, lines[2]
m = re.fullmatch(r"instructions per decision: (\d+\.\d) \(least (\d+), most (\d+)\)", lines[3]); assert m, lines[3]
mean, least, most = float(m.group(1)), int(m.group(2)), int(m.group(3))
assert 0 < least <= mean <= most, (least, mean, most)
assert lines[4] == "parts with the most comparisons and tests per decision:", lines[4]
parts = lines[5:]
assert len(parts) == 5, parts
counts = []
for p in parts:
    m = re.fullmatch(r" +(\d+\.\d\d)  policies/sme_tax_loan\.credo:(\d+): (rule|scorecard|segment|table) .+", p)
    assert m, p
    counts.append(float(m.group(1)))
assert counts == sorted(counts, reverse=True), counts
assert any(" rule DELINQUENCY" in p for p in parts), parts
PY
"$credo" bench policies/sme_tax_loan.credo >"$tmp/u" 2>&1; rc=$?
[ $rc -eq 2 ] || fail "a missing INPUT must be a usage error, exit $rc"
echo "bench_cmd.sh: credo bench reports decisions/s, us per decision, instructions per decision and the busiest parts at file:line"
