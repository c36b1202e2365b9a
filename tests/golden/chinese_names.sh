#!/bin/sh
# Policies written with Chinese names: credo explain of one applicant of
# tests/golden/names_chinese.credo (every kind of name in Chinese) is the
# account stored in tests/golden/chinese/explain.txt, and its columns line
# up in the terminal's columns (East Asian Width, measured by python3's
# unicodedata); the example examples/tax_loan_zh.credo and the consumer
# loan are `credo fmt --check` clean, the example's tests pass with full
# coverage and it decides its sample applicants as stored; the examples of
# names in lang/README.md and credo(5) check.
set -u
credo=${CREDO:-build/credo}
dir=tests/golden/chinese
fail() { echo "FAIL: $*"; exit 1; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

"$credo" explain --as-of 2026-12-01 --app C3 tests/golden/names_chinese.credo tests/golden/names_chinese.jsonl \
    >"$tmp/explain.txt" || fail "explain exit $?"
diff -u "$dir/explain.txt" "$tmp/explain.txt" || fail "explain differs"

# Every scorecard line and every value line has its '=' in one display
# column, although the names before it are Chinese (two columns each).
python3 - "$tmp/explain.txt" <<'PY' || fail "explain's columns do not line up"
import sys, unicodedata
def width(s):
    w = 0
    for c in s:
        if unicodedata.combining(c): continue
        w += 2 if unicodedata.east_asian_width(c) in "WF" else 1
    return w
lines = open(sys.argv[1], encoding="utf-8").read().split("\n")
def eq_columns(first, last):
    cols = set()
    for l in lines[first:last]:
        if l.startswith("  ") and not l.startswith("   ") and " = " in l:
            cols.add(width(l[:l.index(" = ")]))
    return cols
sc = lines.index(next(l for l in lines if l.startswith("Scorecard ")))
va = lines.index("Values (in the order of the policy)")
for name, (a, b) in {"scorecard": (sc + 1, sc + 4), "values": (va + 1, len(lines))}.items():
    cols = eq_columns(a, b)
    if len(cols) != 1:
        sys.exit("%s: '=' at display columns %s" % (name, sorted(cols)))
    # and the value lines under them ("= value") too
bins = set(width(l[:l.index(" bin ")]) for l in lines[sc + 1:sc + 4])
if len(bins) != 1:
    sys.exit("scorecard: 'bin' at display columns %s" % sorted(bins))
PY

"$credo" fmt --check examples/tax_loan_zh.credo policies/consumer_loan.credo || fail "not in credo fmt's layout"
"$credo" check --werror examples/tax_loan_zh.credo >"$tmp/check" 2>&1 || { cat "$tmp/check"; fail "the example does not check clean"; }
out=$("$credo" test --coverage --coverage-min 100 examples/tax_loan_zh.test.credo) || { echo "$out"; fail "the example's tests"; }
echo "$out" | tail -1 | grep -q '^21 passed, 0 failed$' || fail "the example's tests: $(echo "$out" | tail -1)"
"$credo" run --as-of 2026-12-01 examples/tax_loan_zh.credo examples/tax_loan_zh.jsonl >"$tmp/run"
[ $? -eq 3 ] || fail "the samples hold one ERROR line: exit 3 expected"
diff -u "$dir/tax_loan_zh.out" "$tmp/run" || fail "the example's decisions differ"
grep -q '"error":"法人年龄: required field is missing"' "$tmp/run" || fail "the ERROR line names the Chinese field"
# The examples of lang/README.md ("Names") and credo(5) ("NAMES") check.
awk '/^## Names/ { on = 1 } on && /^```$/ { if (n++) exit; next } on && n == 1' lang/README.md >"$tmp/readme.body"
[ -s "$tmp/readme.body" ] || fail "no example under lang/README.md's Names"
{ echo 'policy 示例'; cat "$tmp/readme.body"; } >"$tmp/readme.credo"
"$credo" check "$tmp/readme.credo" || fail "lang/README.md's Names example does not check"
awk '/^\.SH NAMES/ { on = 1 } on && /^\.fi/ { exit } on && p; on && /^\.nf/ { p = 1 }' lang/credo.5 >"$tmp/man.body"
[ -s "$tmp/man.body" ] || fail "no example under credo(5)'s NAMES"
{ echo 'policy 示例'; cat "$tmp/man.body"; } >"$tmp/man.credo"
"$credo" check "$tmp/man.credo" || fail "credo(5)'s NAMES example does not check"

echo "chinese_names: explain lines up Chinese names by display width; the Chinese example and the consumer loan are fmt-clean, tested at full coverage and decide as stored"
