#!/bin/sh
# credo explain's text layouts: with a reason code longer than 16
# characters the trace's FIRED column still lines up (its width comes
# from the longest code); and --format text says a declined applicant's
# reason and the compared values in words, and a referred reference
# applicant's scorecard reasons with their points against the best, and
# the decide row that chose the outcome.
set -u
credo=${CREDO:-build/credo}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*"; exit 1; }
cat > "$tmp/p.credo" <<'POLICY'
policy long_codes
input applicant { app_id: text  age: int  income: money }
admission {
  reject AGE "owner younger than 18" when age < 18
  refer  INCOME_BELOW_THE_REGIONAL_MINIMUM_WAGE "income below the regional minimum" when income < 2000
}
POLICY
echo '{"app_id":"A1","age":17,"income":1500}' > "$tmp/a.jsonl"
"$credo" explain --as-of 2026-12-01 "$tmp/p.credo" "$tmp/a.jsonl" > "$tmp/trace.txt" || fail "explain exit $?"
cols=$(grep -E '^  (reject|refer) ' "$tmp/trace.txt" | awk '{ print index($0, "FIRED") }' | sort -u)
[ "$(printf '%s\n' "$cols" | wc -l)" -eq 1 ] && [ "$cols" -gt 0 ] ||
    { cat "$tmp/trace.txt"; fail "the FIRED column does not line up: $cols"; }
"$credo" explain --format text --as-of 2026-12-01 "$tmp/p.credo" "$tmp/a.jsonl" > "$tmp/words.txt" || fail "--format text exit $?"
head -1 "$tmp/words.txt" | grep -qx 'Application A1: Declined (REJECT)' || fail "first line: $(head -1 "$tmp/words.txt")"
grep -q '^  1\. AGE: owner younger than 18$' "$tmp/words.txt" || fail "reason AGE not first"
grep -q 'age 17 is below the minimum of 18' "$tmp/words.txt" || fail "no words for the AGE test"
grep -q 'income 1500 is below the minimum of 2000' "$tmp/words.txt" || fail "no words for the income test"
"$credo" explain --format text --as-of 2026-12-01 --app APP00000016 policies/sme_tax_loan.credo \
    tests/reference/applicants.jsonl > "$tmp/refer.txt" || fail "--format text of APP00000016"
head -1 "$tmp/refer.txt" | grep -qx 'Application APP00000016: Referred for review (REFER)' || fail "refer: $(head -1 "$tmp/refer.txt")"
grep -qx '  1. SC_CREDIT_SCORE: in the score, credit score 592 earned -40 points where the best earns 55' "$tmp/refer.txt" ||
    fail "refer: no scorecard reason in words"
grep -q "decide row \"refer score.lowest(3) when tier == REFER\", the first row that holds\.$" "$tmp/refer.txt" ||
    fail "refer: the decide row is not named"
"$credo" explain --format nope "$tmp/p.credo" "$tmp/a.jsonl" 2> /dev/null; [ $? -eq 2 ] || fail "--format nope must exit 2"
echo "explain: a 38-character code keeps the FIRED column at $cols; --format text says 'age 17 is below the minimum of 18'"
