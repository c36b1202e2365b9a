#!/bin/sh
# credo diff OLD NEW without a population: what changed in the policy.
# 1. The reference policy against a copy with the DTI threshold tightened
#    and the version bumped: exactly those two changes, old and new text.
# 2. A policy against itself re-indented and re-commented: no change.
# 3. A copy with one change of each kind of construct: each is reported.
set -u
credo=${CREDO:-build/credo}
old=policies/sme_tax_loan.credo
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*"; [ -f "$tmp/out" ] && cat "$tmp/out"; exit 1; }
arrow=$(printf '\342\206\222')

# 1
new=$tmp/dti50.credo
sed -e 's/when dti > 0\.6$/when dti > 0.5/' -e 's/version "2026\.11\.1"/version "2026.11.2"/' "$old" > "$new"
"$credo" diff "$old" "$new" > "$tmp/out" || fail "credo diff exited $?"
grep -Fq "  changed    rule DTI: dti > 0.6  $arrow  dti > 0.5  (line " "$tmp/out" || fail "no DTI rule change"
grep -Fq "  changed    version: \"2026.11.1\"  $arrow  \"2026.11.2\"" "$tmp/out" || fail "no version change"
n=$(grep -Ec '^  (changed|added|removed|reordered) ' "$tmp/out")
[ "$n" -eq 2 ] || fail "$n changes reported, expected exactly 2"
grep -q '^2 changes: 2 changed, 0 added, 0 removed, 0 reordered$' "$tmp/out" || fail "wrong summary line"
"$credo" diff --json "$old" "$new" > "$tmp/out.json" || fail "credo diff --json exited $?"
grep -q '"what":"rule DTI","old":"dti > 0.6","new":"dti > 0.5"' "$tmp/out.json" || fail "no DTI rule change in --json"
if command -v python3 > /dev/null 2>&1; then
    python3 -m json.tool "$tmp/out.json" > /dev/null || fail "--json is not valid JSON"
fi

# 2
sed -e 's/^  reject /    reject /' -e 's/ when / when  /' -e 's/$/   # re-commented/' "$old" > "$tmp/respaced.credo"
"$credo" check "$tmp/respaced.credo" > /dev/null 2>&1 || fail "the re-indented copy does not compile"
"$credo" diff "$old" "$tmp/respaced.credo" > "$tmp/out" || fail "credo diff exited $?"
grep -q '^no changes: the policies differ only in white space, comments or layout$' "$tmp/out" ||
    fail "white space and comments reported as changes"

# 3
every=$tmp/every.credo
sed -e 's/owner "retail-risk"/owner "sme-risk"/' \
    -e 's/^  inquiries_3m: int$/  inquiries_3m: number/' \
    -e 's/^  blacklisted: bool$/  blacklisted: bool\n  employees: int?/' \
    -e 's/^const LPR_1Y = 3.10$/const LPR_1Y = 3.00/' \
    -e '/reject BLACKLIST /d' \
    -e 's/^\(  reject SCORE_LOW .*\)$/\1\n  refer  BIG_ASK when requested_amount > 2000000/' \
    -e 's/credit_score:      < 600 -> -40 | < 650 -> -10/credit_score:      < 580 -> -50 | < 600 -> -40 | < 650 -> -5/' \
    -e '/^  STANDARD when score >= 650$/d' \
    -e 's/^  SUBPRIME when score >= 610$/  SUBPRIME when score >= 610 and score < 650\n  STANDARD when score >= 650/' \
    -e 's/^  STANDARD -> 0.20$/  STANDARD -> 0.25/' \
    -e 's/^  SUBPRIME | 3.20  | 3.60  | 4.10$/  SUBPRIME | 3.20  | 3.70  | 4.10/' \
    -e 's/when limit < 10000$/when limit < 20000/' \
    -e 's/^rate = round(/payment = round(limit \/ requested_term, 2)\nrate = round(/' "$old" > "$every"
"$credo" check "$every" > /dev/null 2>&1 || fail "the changed copy does not compile"
"$credo" diff "$old" "$every" > "$tmp/out" || fail "credo diff exited $?"
expect() {
    grep -Fq -- "$1" "$tmp/out" || fail "missing: $1"
}
expect "  changed    owner: \"retail-risk\"  $arrow  \"sme-risk\""
expect "  changed    field inquiries_3m: int  $arrow  number"
expect "  added      field employees: int?"
expect "  changed    const LPR_1Y: 3.10  $arrow  3.00"
expect "  removed    rule BLACKLIST: reject BLACKLIST \"on the bank's blacklist\" when blacklisted"
expect "  added      rule BIG_ASK: refer BIG_ASK when requested_amount > 2000000"
expect "  added      score.credit_score bin 1: < 580 -> -50"
expect "  changed    score.credit_score bin 3: < 650 -> -10  $arrow  < 650 -> -5"
expect "  changed    segment tier row SUBPRIME: score >= 610  $arrow  score >= 610 and score < 650"
expect "  reordered  segment tier order: PRIME, STANDARD, SUBPRIME, REFER  $arrow  PRIME, SUBPRIME, STANDARD, REFER"
expect "  changed    table multiplier row 2: STANDARD -> 0.20  $arrow  STANDARD -> 0.25"
expect "  changed    table premium row 8: SUBPRIME, <= 24 -> 3.60  $arrow  SUBPRIME, <= 24 -> 3.70"
expect "  changed    decide row 3: refer LIMIT_TOO_LOW, score.lowest(3) when limit < 10000  $arrow  refer LIMIT_TOO_LOW, score.lowest(3) when limit < 20000"
expect "  added      result payment: round(limit / requested_term, 2)"
n=$(grep -Ec '^  (changed|added|removed|reordered) ' "$tmp/out")
[ "$n" -eq 14 ] || fail "$n changes reported, expected 14"

# A policy that does not compile is an error, not an empty comparison.
printf 'policy broken\nlet a = \n' > "$tmp/broken.credo"
"$credo" diff "$old" "$tmp/broken.credo" > "$tmp/out" 2>&1
[ $? -eq 1 ] || fail "a policy that does not compile must exit 1"
grep -q 'nothing compared' "$tmp/out" || fail "no clear error for a policy that does not compile"
echo "diff OLD NEW: the DTI change and the version, nothing else; every construct reported"
