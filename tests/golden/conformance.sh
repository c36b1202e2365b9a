#!/bin/sh
# The decision-table conformance suite, tests/conformance/: each policy
# tests one table feature (a hit policy, named outputs, the default row,
# the forms of a cell, the forms of an input) against its cases,
# NAME.cases.jsonl, whose expected results are written out by hand.
# Every case must pass, and every case file must be able to fail: its
# first case with one expected value changed fails on that value.
# Runs from the project root with the credo binary in $CREDO; exit 0 = pass.
set -u
credo=${CREDO:-build/credo}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "conformance.sh: $*"; exit 1; }
n=0
for policy in tests/conformance/*.credo; do
    cases=${policy%.credo}.cases.jsonl
    [ -f "$cases" ] || fail "$policy has no $cases"
    lines=$(grep -c . "$cases")
    [ "$lines" -gt 0 ] || fail "$cases has no case"
    out=$("$credo" test "$policy" --cases "$cases" 2>&1) || { echo "$out"; fail "$policy"; }
    echo "$out" | tail -1 | grep -qx "$lines passed, 0 failed" || { echo "$out"; fail "$policy: not every case ran"; }
    # the first expected number, text or truth value of the first case, changed
    head -1 "$cases" | python3 -c '
import re, sys
from decimal import Decimal
line = sys.stdin.read()
at = line.index("\"expect\":")
# a number or truth value first (a changed text may not be one of a closed set)
m = (re.compile(r"[:\[,]\s*(-?[0-9][0-9.]*|true|false)(?!\s*:)").search(line, at + 9) or
     re.compile(r"[:\[,]\s*(\"[^\"]*\")(?!\s*:)").search(line, at + 9))
v = m.group(1)
flip = {"true": "false", "false": "true"}
new = flip[v] if v in flip else v[:-1] + "X\"" if v[0] == "\"" else str(Decimal(v) + 1)
sys.stdout.write(line[:m.start(1)] + new + line[m.end(1):])
' >"$tmp/changed.jsonl" || fail "cannot change $cases"
    out=$("$credo" test "$policy" --cases "$tmp/changed.jsonl" 2>&1) && { echo "$out"; fail "$cases: a changed expectation passed"; }
    echo "$out" | grep -q "expected" || { echo "$out"; fail "$cases: the changed expectation did not fail on its value"; }
    n=$((n + 1))
done
[ "$n" -ge 11 ] || fail "only $n conformance policies"
