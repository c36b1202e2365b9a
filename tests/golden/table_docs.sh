#!/bin/sh
# The examples of the decision tables, as lang/README.md ("Decision
# tables") and credo(5) (DECISION TABLES) show them: each code block,
# after a short policy that declares the fields and the segment they
# name, passes `credo check` with no error, and decides the applicants
# the README's text names as it says.
# Runs from the project root with the credo binary in $CREDO; exit 0 = pass.
set -u
credo=${CREDO:-build/credo}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "table_docs.sh: $*"; exit 1; }
cat >"$tmp/head.credo" <<'POLICY'
policy table_docs

input applicant {
  credit_score: int
  requested_term: int
  age: int
  region: text
  debt: money
  income: money
  residence: { kind: one of {"own", "rent", "family"}, years: int }
}

segment tier {
  PRIME    when credit_score >= 700
  STANDARD when credit_score >= 650
  SUBPRIME when credit_score >= 600
  REFER    otherwise
}
POLICY
# README: the code blocks between "## Decision tables" and the next section
sed -n '/^## Decision tables/,/^## Reference tables/p' lang/README.md |
    awk -v dir="$tmp" '/^```$/ { if (on) { close(f); on = 0 } else { n++; f = dir "/readme" n ".part"; on = 1 } next }
                       on { print > f }'
# credo(5): the .nf blocks of DECISION TABLES, unescaped
sed -n '/^\.SH DECISION TABLES/,/^\.SH REFERENCE TABLES/p' lang/credo.5 |
    awk -v dir="$tmp" '/^\.nf/ { n++; f = dir "/man" n ".part"; on = 1; next } /^\.fi/ { close(f); on = 0; next }
                       on && !/^\.R[SE]/ { gsub(/\\-/, "-"); print > f }'
count=0
for part in "$tmp"/*.part; do
    cat "$tmp/head.credo" "$part" >"$tmp/example.credo"
    out=$("$credo" check "$tmp/example.credo" 2>&1) || { echo "$out"; cat "$part"; fail "an example does not check"; }
    echo "$out" | grep -q "error:" && { echo "$out"; fail "an example has an error"; }
    count=$((count + 1))
done
[ "$count" -ge 9 ] || fail "found only $count examples"
# what the README says of routing and flags
n=$(ls "$tmp"/readme*.part | wc -l)
for part in "$tmp"/readme*.part; do
    grep -q "^table routing" "$part" || continue
    { cat "$tmp/head.credo" "$part"; printf 'r = routing\nf = flags\n'; } >"$tmp/order.credo"
    printf '%s\n' '{"credit_score":450,"requested_term":12,"age":19,"region":"EAST","debt":1,"income":2,"residence":{"kind":"own","years":1}}' \
                  '{"credit_score":700,"requested_term":12,"age":19,"region":"EAST","debt":1,"income":2,"residence":{"kind":"own","years":1}}' >"$tmp/order.jsonl"
    out=$("$credo" run "$tmp/order.credo" "$tmp/order.jsonl" 2>&1)
    echo "$out" | sed -n 1p | grep -q '"r":"DECLINE","f":\["DECLINE","REFER"\]' || { echo "$out"; fail "routing and flags at 19 and 450"; }
    echo "$out" | sed -n 2p | grep -q '"f":\["REFER","ACCEPT"\]' || { echo "$out"; fail "flags at 19 and 700"; }
    n=0
done
[ "$n" -eq 0 ] || fail "the README's routing example is missing"
# the gap the README and credo(5) quote for price_band, in both
want="no row of table price_band matches when 'credit_score' is 650 and 'requested_term' is 37: that application would be an ERROR; add a row or a default row"
tr '\n' ' ' <lang/README.md | tr -s ' ' | grep -qF "$want" || fail "lang/README.md does not quote the price_band gap"
found=0
for part in "$tmp"/*.part; do
    grep -q "^table price_band" "$part" || continue
    cat "$tmp/head.credo" "$part" >"$tmp/gap.credo"
    out=$("$credo" check "$tmp/gap.credo" 2>&1)
    echo "$out" | grep -qF "warning: $want" || { echo "$out"; fail "price_band ($part): not the gap quoted"; }
    found=$((found + 1))
done
[ "$found" -eq 2 ] || fail "price_band is in $found of lang/README.md and credo(5), not both"
echo "table_docs.sh: $count examples of lang/README.md and credo(5) check; routing, flags and price_band do what the README says"
