#!/bin/sh
# The layering check (tests/layers.sh) passes on the tree and fails on each
# way of breaking it, tried on a copy: an include that points up, a folder
# README that lets two folders include each other, a README naming a file
# that is gone, a source file its README does not name.
fail() { echo "FAIL: $*"; exit 1; }
sh tests/layers.sh || fail "the tree does not pass its own layering check"

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fresh() { rm -rf "$tmp/t"; mkdir "$tmp/t"; cp -R lang stdlib runtime tests "$tmp/t/"; }
expect_fail() {  # WHAT PATTERN: the check fails and says PATTERN
    if sh tests/layers.sh "$tmp/t" >"$tmp/out" 2>&1; then fail "$1: the check passed"; fi
    grep -q "$2" "$tmp/out" || { cat "$tmp/out"; fail "$1: no message matching '$2'"; }
}

fresh   # lang/ reaching up into the VM
printf '#include "runtime/vm/vm.h"\n' >>"$tmp/t/lang/types.c"
expect_fail "wrong-way include" 'lang/types.c:[0-9]*: includes "runtime/vm/vm.h", but lang/ may include only: runtime/core, stdlib'

fresh   # core/ allowed to include stdlib/, which includes core/
sed -i 's|^May include: nothing outside this folder.|May include: `stdlib/`.|' "$tmp/t/runtime/core/README.md"
expect_fail "circle" 'in a circle: .*runtime/core.*stdlib\|in a circle: .*stdlib.*runtime/core'

fresh   # a README names a file that does not exist
rm "$tmp/t/runtime/vm/regex_fixed.c"
expect_fail "stale README" 'runtime/vm/README.md names `regex_fixed.c`, which does not exist'

fresh   # a new file nobody wrote into the README
printf '/* x */\n' >"$tmp/t/runtime/io/csv_read.c"
expect_fail "unnamed file" 'runtime/io/README.md does not name csv_read.c'

fresh   # an include by a bare name hides where it comes from
printf '#include "vm.h"\n' >>"$tmp/t/runtime/io/explain.c"
expect_fail "bare include" 'explain.c:[0-9]*: includes "vm.h": name it from the project'"'"'s root'
echo "layers: passes on the tree, fails on each break"
