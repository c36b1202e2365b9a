#!/bin/sh
# libcredo.so exports the public API of runtime/credo.h and nothing else:
# every defined dynamic symbol (nm -D --defined-only) is a credo_
# function that credo.h declares with CREDO_API, and each of those is
# exported.  An internal cr_ name, a flex/bison yy name or anything of a
# dependency's in the list fails.
set -u
credo=${CREDO:-build/credo}
so=$(dirname "$credo")/libcredo.so
fail() { echo "FAIL: $*"; exit 1; }
[ -f "$so" ] || fail "no $so (run make first)"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# The version node the map file names (CREDO_0) is listed as an absolute
# symbol; everything else must be a function of the API.
nm -D --defined-only "$so" | awk '$2 != "A" { print $3 }' | sed 's/@.*//' | sort -u >"$tmp/exported"
sed -n 's/^CREDO_API .*[ *]\(credo_[a-z0-9_]*\)(.*/\1/p' runtime/credo.h | sort -u >"$tmp/declared"
[ -s "$tmp/declared" ] || fail "found no CREDO_API declaration in runtime/credo.h"
extra=$(comm -23 "$tmp/exported" "$tmp/declared")
missing=$(comm -13 "$tmp/exported" "$tmp/declared")
[ -z "$extra" ] || fail "libcredo.so exports what credo.h does not declare: $(echo $extra | head -c 600)"
[ -z "$missing" ] || fail "credo.h declares what libcredo.so does not export: $missing"
# Every exported name carries the version node, so a later release can
# add CREDO_1 beside it.
nm -D --defined-only "$so" | awk '$2 == "T"' | grep -v '@@CREDO_0$' >"$tmp/unversioned" || true
[ -s "$tmp/unversioned" ] && fail "exported without the CREDO_0 version: $(head -3 "$tmp/unversioned")"

# The static archive cannot hide names, so every global it defines
# carries credo's prefix: cr_ inside, credo_ for the API (names the
# compiler makes itself start with "__" or ".").
a=$(dirname "$credo")/libcredo.a
[ -f "$a" ] || fail "no $a"
nm --defined-only "$a" 2>/dev/null | awk 'NF == 3 && $2 ~ /^[A-Z]$/ { print $3 }' |
    grep -v '^cr_\|^credo_\|^__\|^\.' | sort -u >"$tmp/unprefixed"
[ -s "$tmp/unprefixed" ] && fail "libcredo.a defines names without credo's prefix: $(head -5 "$tmp/unprefixed" | tr '\n' ' ')"
echo "lib_symbols: libcredo.so exports exactly the $(wc -l <"$tmp/declared") functions credo.h declares, all versioned CREDO_0; every global of libcredo.a starts with cr_ or credo_"
