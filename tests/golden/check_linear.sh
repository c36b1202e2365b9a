#!/bin/sh
# Checking is linear in the policy.  Each let reads the one before twice,
# 1,000 deep, and an admission rule reads the last: walked once per path
# the check would never end (30 lets took 14.5 s, each more doubling it);
# so would 1,000 functions each calling the one before twice.  Each must
# be checked within 10 s of CPU (ulimit -t: CPU time, not the clock, so a
# busy machine does not fail it); it takes a few milliseconds.
set -u
credo=${CREDO:-build/credo}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*"; exit 1; }
awk 'BEGIN { printf "policy lets\ninput app { a0: int }\n";
             for (i = 1; i <= 1000; i++) printf "let a%d = a%d + a%d\n", i, i - 1, i - 1;
             printf "admission {\n  reject R when a1000 > 0\n}\n" }' >"$tmp/lets.credo"
awk 'BEGIN { printf "policy fns\ninput app { x: int }\nfn f0(v: int) -> int = v + 1\n";
             for (i = 1; i <= 1000; i++) printf "fn f%d(v: int) -> int = f%d(v) + f%d(v)\n", i, i - 1, i - 1;
             printf "r = x\n" }' >"$tmp/fns.credo"
# with an admission self-reference at the bottom of the chain, found through all 1,000 lets
sed 's/^let a1 = a0 + a0$/let a1 = if admission.rejected then a0 else a0 + a0/' "$tmp/lets.credo" >"$tmp/self.credo"
# a table's gaps (lang/sema_gaps.c): 2,000 rows of three inputs are
# searched; six inputs of 12 bounds each (over 100,000 points together)
# are not, and say nothing, although rows 1 and 2 leave a gap
awk 'BEGIN { printf "policy rows\ninput app { a: int\n b: number\n c: int }\ntable t(a, b, c) -> int hit first {\n";
             for (i = 0; i < 2000; i++) printf "  %d..%d, < %d.5, >= %d -> %d\n", i * 3, i * 3 + 1, i, i, i;
             printf "}\nr = t\n" }' >"$tmp/rows.credo"
awk 'BEGIN { printf "policy wide\ninput app { a: int\n b: int\n c: int\n d: int\n e: int\n f: int }\n";
             printf "table t(a, b, c, d, e, f) -> int hit first {\n  < 0, -, -, -, -, - -> 0\n  -, < 0, -, -, -, - -> 0\n";
             for (i = 1; i <= 12; i++) printf "  %d, %d, %d, %d, %d, %d -> %d\n", i, i, i, i, i, i, i;
             printf "}\nr = t\n" }' >"$tmp/wide.credo"
for f in rows wide; do
    (ulimit -t 10; exec "$credo" check "$tmp/$f.credo") >"$tmp/$f.out" 2>&1 || fail "$f: exit $? (a CPU limit kills with 137 or 152): $(head -3 "$tmp/$f.out")"
done
grep -q "no row of table t matches" "$tmp/wide.out" && fail "wide: a table of more than 100,000 points was searched: $(head -3 "$tmp/wide.out")"
for f in lets fns self; do
    (ulimit -t 10; exec "$credo" check "$tmp/$f.credo") >"$tmp/$f.out" 2>&1
    rc=$?
    case $f:$rc in
    lets:0 | fns:0) ;;
    self:1) grep -q "admission rule R depends on the admission's own outcome (through 'a1')" "$tmp/self.out" ||
        fail "self: $(head -3 "$tmp/self.out")" ;;
    *) fail "$f: exit $rc (a CPU limit kills with 137 or 152): $(head -3 "$tmp/$f.out")" ;;
    esac
done
echo "check_linear: 1,000 lets and 1,000 functions each doubling, checked in linear time; a 2,000-row table searched for gaps, a wider one left alone"
