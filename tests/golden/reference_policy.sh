#!/bin/sh
# The reference policy (tests/reference/POLICY.md) over its 5,000
# applicants must give exactly the decision lines of expected.tsv.
# Decision JSON is mapped to the fixture's line format: segment '-' for
# REJECT, limit and rate '-' unless APPROVE, reasons joined by ',' or '-'.
set -u
credo=${CREDO:-build/credo}
out=$(mktemp)
"$credo" run --as-of 2026-12-01 policies/sme_tax_loan.credo tests/reference/applicants.jsonl |
sed -e 's/^{"app_id":"\([^"]*\)","decision":"\([A-Z]*\)","reasons":\[\([^]]*\)\],"score":\([-0-9]*\),"tier":"\([A-Z]*\)","limit":\([-0-9.]*\),"rate":\([-0-9.]*\)}$/\1	\2	\4	\5	\6	\7	\3/' |
awk -F '\t' 'BEGIN { OFS = "\t" }
    NF != 7 { print "unexpected line: " $0; next }
    {
        reasons = $7; gsub(/"/, "", reasons); if (reasons == "") reasons = "-"
        if ($2 == "REJECT") { $4 = "-" }
        if ($2 != "APPROVE") { $5 = "-"; $6 = "-" }
        print $1, $2, $3, $4, $5, $6, reasons
    }' > "$out"
total=$(wc -l < tests/reference/expected.tsv)
same=$(paste -d '\n' "$out" tests/reference/expected.tsv | awk 'NR % 2 == 1 { a = $0; next } a == $0 { n++ } END { print n + 0 }')
echo "reference policy: $same of $total decision lines identical to expected.tsv"
if ! diff "$out" tests/reference/expected.tsv > /dev/null; then
    diff "$out" tests/reference/expected.tsv | head -20
    rm -f "$out"
    exit 1
fi
rm -f "$out"
