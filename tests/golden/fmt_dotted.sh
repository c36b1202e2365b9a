#!/bin/sh
# credo fmt never changes the program, also where white space and a
# comment sit inside a dotted scorecard characteristic (`residence .  #
# ...` then `kind` on the next line): its name, and so its reason code, is
# its names joined by dots, not the text between them.  The disassembly
# of the policy and of its formatted copy must be the same.
set -u
credo=${CREDO:-build/credo}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*"; exit 1; }
cat >"$tmp/p.credo" <<'P'
policy dotted
input app { app_id: text, residence: { kind: text }, score_in: int }
scorecard r base 600 {
  residence .  # the kind of home
     kind: "OWNED" -> 10 | else -> 0
  score_in: < 600 -> -5 | else -> 5
}
decide {
  refer LOW, r.lowest(1) when r < 606
  approve
}
P
"$credo" fmt - <"$tmp/p.credo" >"$tmp/f.credo" || fail "fmt failed"
cmp -s "$tmp/p.credo" "$tmp/f.credo" && fail "fmt changed nothing: the test does not test what it says"
for f in p f; do
    "$credo" disasm "$tmp/$f.credo" | grep -v "^; \\|^$tmp" >"$tmp/$f.dis" || fail "disasm $f"
done
cmp -s "$tmp/p.dis" "$tmp/f.dis" || { diff "$tmp/p.dis" "$tmp/f.dis" | head; fail "fmt changed the program"; }
grep -q 'SC_MARK  *residence.kind bin 1$' "$tmp/p.dis" || fail "the characteristic is not named residence.kind"
out=$(echo '{"app_id":"A","residence":{"kind":"RENTED"},"score_in":700}' | "$credo" run "$tmp/p.credo")
[ "$out" = '{"app_id":"A","decision":"REFER","reasons":["LOW","SC_RESIDENCE_KIND"],"r":605}' ] || fail "decided $out"
# explain shows a nested characteristic's value, as text and JSON (it showed "= ?" and null)
app='{"app_id":"A","residence":{"kind":"RENTED"},"score_in":700}'
echo "$app" | "$credo" explain "$tmp/f.credo" - | grep -q '^  residence.kind *= "RENTED" ' ||
    fail "explain: $(echo "$app" | "$credo" explain "$tmp/f.credo" - | grep residence)"
echo "$app" | "$credo" explain --json "$tmp/f.credo" - | grep -q '"name":"residence.kind","value":"RENTED"' ||
    fail "explain --json does not give the value"
echo "fmt_dotted: the formatted policy compiles to the same program; the code is SC_RESIDENCE_KIND; explain shows the value"
