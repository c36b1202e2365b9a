#!/bin/sh
# The demo: the SME tax-data loan policy over sample applicants.  The last
# two applicants are broken on purpose (a text where an int belongs, a zero
# income that makes the debt ratio divide by zero): each gets an ERROR line
# naming the field or the policy line, and the run goes on.
credo=${1:-build/credo}
policy=policies/sme_tax_loan.credo
input=examples/applicants.jsonl
echo "== credo check $policy"
"$credo" check "$policy" && echo "no errors"
echo
echo "== credo run --as-of 2026-12-01 $policy $input"
"$credo" run --as-of 2026-12-01 "$policy" "$input"
rc=$?
echo
echo "== decisions: $(grep -c . "$input") applicants"
"$credo" run --as-of 2026-12-01 "$policy" "$input" | sed -n 's/.*"decision":"\([A-Z]*\)".*/\1/p' | sort | uniq -c
echo "(credo run exits $rc: 3 means some lines were ERROR, see credo run --help)"
