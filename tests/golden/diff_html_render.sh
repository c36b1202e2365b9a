#!/bin/sh
# The HTML report of credo diff, rendered by a real browser: headless
# Chromium loads the page from disk (no network needed: the page is
# self-contained), the rendered DOM must hold the charts and a screenshot
# must come out.  Skipped when Chromium is not installed.
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
old=policies/sme_tax_loan.credo
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*"; exit 1; }

sed -e 's/when dti > 0\.6$/when dti > 0.5/' -e 's/version "2026\.11\.1"/version "2026.11.2"/' "$old" > "$tmp/new.credo"
"$credo" diff --as-of 2026-12-01 "$old" "$tmp/new.credo" tests/reference/applicants.jsonl \
    --html "$tmp/report.html" > /dev/null || fail "credo diff exited $?"
page="file://$(cd "$tmp" && pwd)/report.html"
# Its own profile directory, so a browser already open cannot interfere.
flags="--headless --disable-gpu --no-sandbox --user-data-dir=$tmp/profile"

# shellcheck disable=SC2086
timeout 120 "$browser" $flags --dump-dom "$page" > "$tmp/dom.html" 2> "$tmp/dom.err" ||
    { tail -5 "$tmp/dom.err"; fail "$browser --dump-dom failed"; }
[ "$(grep -c '<svg' "$tmp/dom.html")" -ge 3 ] || fail "the rendered DOM has fewer than three svg charts"
for id in hist-score hist-limit reasons-chart; do
    grep -q "id=\"$id\"" "$tmp/dom.html" || fail "the rendered DOM has no $id chart"
done
grep -q '<rect class="bar"' "$tmp/dom.html" || fail "the rendered DOM has no chart bars"
grep -q '<table class="matrix"' "$tmp/dom.html" || fail "the rendered DOM has no decision matrix"

# shellcheck disable=SC2086
timeout 120 "$browser" $flags --window-size=1200,3000 --screenshot="$tmp/shot.png" "$page" > /dev/null 2> "$tmp/shot.err" ||
    { tail -5 "$tmp/shot.err"; fail "$browser --screenshot failed"; }
[ -s "$tmp/shot.png" ] || fail "the screenshot is empty"
echo "rendered with $browser: $(grep -c '<svg' "$tmp/dom.html") charts, screenshot $(wc -c < "$tmp/shot.png") bytes"
