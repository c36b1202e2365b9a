#!/bin/sh
# credo explain --html, read by a real browser: headless Chromium renders
# the page of one declined and one approved reference applicant
# (screenshots kept in the test results folder), and the rendered DOM,
# parsed with python3's html.parser, lists exactly the decision's reasons
# under its outcome, the policy's identity at the foot, and no element an
# application or policy text tried to inject (<script>, <img onerror>).
# Skipped when Chromium is not installed.
set -u
credo=${CREDO:-build/credo}
browser=
for b in chromium chromium-browser; do
    if command -v "$b" > /dev/null 2>&1; then browser=$b; break; fi
done
if [ -z "$browser" ]; then
    echo "skip: chromium not installed"
    exit 0
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*"; exit 1; }
shots=$(dirname "$credo")/test-results/explain_html
mkdir -p "$shots"
shots=$(cd "$shots" && pwd)
policy=policies/sme_tax_loan.credo
apps=tests/reference/applicants.jsonl
flags="--headless --disable-gpu --no-sandbox --user-data-dir=$tmp/profile"

# render FILE.html NAME [noshot]: its DOM into $tmp/NAME.dom, a screenshot into $shots
render() {
    # shellcheck disable=SC2086
    timeout 120 "$browser" $flags --dump-dom "file://$1" > "$tmp/$2.dom" 2> "$tmp/$2.err" ||
        { tail -5 "$tmp/$2.err"; fail "$browser --dump-dom $2 failed"; }
    [ $# -lt 3 ] || return 0
    # shellcheck disable=SC2086
    timeout 120 "$browser" $flags --window-size=1000,2600 --screenshot="$shots/$2.png" "file://$1" \
        > /dev/null 2> "$tmp/$2.err" || { tail -5 "$tmp/$2.err"; fail "$browser --screenshot $2 failed"; }
    [ -s "$shots/$2.png" ] || fail "the screenshot of $2 is empty"
}

# check NAME DECISION REASONS_JSON: the DOM says what the decision says
check() {
    python3 tests/golden/explain_html_dom.py "$tmp/$1.dom" "$2" "$3" || fail "$1: the rendered page does not match the decision"
}

for app in APP00000005 APP00000001; do
    line=$(grep "\"app_id\":\"$app\"" "$apps")
    decision=$(printf '%s\n' "$line" | "$credo" run --as-of 2026-12-01 "$policy") || fail "credo run $app"
    outcome=$(printf '%s' "$decision" | python3 -c 'import json,sys; d=json.load(sys.stdin); print(d["decision"])')
    reasons=$(printf '%s' "$decision" | python3 -c 'import json,sys; d=json.load(sys.stdin); print(json.dumps(d["reasons"]))')
    "$credo" explain --html --as-of 2026-12-01 --app "$app" "$policy" "$apps" > "$tmp/$app.html" || fail "explain --html $app"
    render "$tmp/$app.html" "$app"
    check "$app" "$outcome" "$reasons"
    eval "out_$outcome=\$reasons"
done
[ -n "${out_REJECT:-}" ] && [ -n "${out_APPROVE:-}" ] || fail "expected one declined and one approved applicant"

# The attack: markup in an application's app_id and in a rule's description.
sed 's/"owner younger than 18 or older than 65"/"<img src=x onerror=alert(1)> under 18 <b>or<\/b> over 65"/' \
    "$policy" > "$tmp/attack.credo"
grep -q 'onerror' "$tmp/attack.credo" || fail "the attack policy was not made"
grep '"app_id":"APP00000005"' "$apps" |
    sed 's|"app_id":"APP00000005"|"app_id":"<script>document.title=\\"owned\\"</script>","age":17|; s|"age":[0-9]*,||2' \
    > "$tmp/attack.jsonl"
"$credo" explain --html --as-of 2026-12-01 "$tmp/attack.credo" "$tmp/attack.jsonl" > "$tmp/attack.html" ||
    fail "explain --html of the attack"
render "$tmp/attack.html" attack noshot
python3 tests/golden/explain_html_dom.py "$tmp/attack.dom" REJECT '["AGE","SCORE_LOW"]' \
    '<script>document.title="owned"</script>' '<img src=x onerror=alert(1)>' || fail "the attack page"
echo "explain --html rendered by $browser: reasons of $(echo "$out_REJECT" | tr -d ' ') (REJECT) and $out_APPROVE (APPROVE) listed, markup in app_id and descriptions shown as text; screenshots in $shots"
