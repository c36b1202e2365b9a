#!/bin/sh
# The examples of lang/README.md and credo(5) marked `<!-- example: NAME -->`
# (README) and `.\" example: NAME` (man page) are the same text in both, an
# output README.md marks `<!-- output: NAME -->` is NAME.out's, and each
# example, put after tests/golden/lang_examples/NAME.head.credo (a policy's
# header, input and the results to look at), does what NAME.out says:
# `credo run [NAME.args]` over NAME.jsonl when there is one, else
# `credo check`, with the policy's path written NAME.credo.
# Runs from the project root with the credo binary in $CREDO; exit 0 = pass.
set -u
credo=${CREDO:-build/credo}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "lang_examples.sh: $*"; exit 1; }
d=tests/golden/lang_examples

python3 - "$tmp" <<'PY' || fail "the marked examples of lang/README.md and lang/credo.5 differ"
import re, sys
out = sys.argv[1]
readme = open("lang/README.md", encoding="utf-8").read()
man = open("lang/credo.5", encoding="utf-8").read()
md = dict(re.findall(r"<!-- example: (\w+) -->\n```\n(.*?)```\n", readme, re.S))
mp = {}
for name, body in re.findall(r'^\.\\" example: (\w+)\n\.nf\n\.RS\n(.*?)^\.RE\n\.fi\n', man, re.S | re.M):
    mp[name] = body.replace("\\-", "-").replace("\\e", "\\")
if not md:
    sys.exit("no marked example in lang/README.md")
# an output README.md quotes is the example's NAME.out, without its exit line
for name, body in re.findall(r"<!-- output: (\w+) -->\n```\n(.*?)```\n", readme, re.S):
    want = open(f"tests/golden/lang_examples/{name}.out", encoding="utf-8").read()
    if want[:want.rindex("exit: ")] != body:
        print(f"output {name}: lang/README.md does not quote tests/golden/lang_examples/{name}.out")
        sys.exit(1)
ok = True
for name in sorted(set(md) | set(mp)):
    if md.get(name) != mp.get(name):
        print(f"example {name}: README.md and credo.5 do not show the same text")
        ok = False
    else:
        open(f"{out}/{name}.example", "w", encoding="utf-8").write(md[name])
sys.exit(0 if ok else 1)
PY

n=0
for ex in "$tmp"/*.example; do
    name=$(basename "$ex" .example)
    [ -f "$d/$name.head.credo" ] || fail "example $name has no $d/$name.head.credo"
    cat "$d/$name.head.credo" "$ex" >"$tmp/$name.credo"
    args=""
    [ -f "$d/$name.args" ] && args=$(cat "$d/$name.args")
    if [ -f "$d/$name.jsonl" ]; then
        # shellcheck disable=SC2086
        (cd "$tmp" && "$OLDPWD/$credo" run $args "$name.credo" "$OLDPWD/$d/$name.jsonl") >"$tmp/$name.got" 2>&1
    else
        # shellcheck disable=SC2086
        (cd "$tmp" && "$OLDPWD/$credo" check $args "$name.credo") >"$tmp/$name.got" 2>&1
    fi
    echo "exit: $?" >>"$tmp/$name.got"
    if [ "${UPDATE:-0}" = 1 ]; then cp "$tmp/$name.got" "$d/$name.out"; fi
    diff -u "$d/$name.out" "$tmp/$name.got" || fail "example $name"
    n=$((n + 1))
done
echo "lang_examples.sh: $n examples of lang/README.md and credo(5) do what they say"
