#!/bin/sh
# Allocation failure (tests/alloc/alloc_fail.c): every allocation the
# library makes while compiling a policy, deciding applicants, writing
# their decisions and logging them fails in turn, alone and with every
# later one, and each time the library must end in a clean error: no
# crash, no leak, no wrong decision.  The reference policy with its first
# 50 applicants, then every other policy of policies/ with the first 20 of
# its examples.  Built against the libcredo.a next to $CREDO, with the
# sanitizers when that library has them (the san build of `make test`),
# so LeakSanitizer checks the error paths too.
set -u
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "alloc_failure: $*"; exit 1; }
. tests/build_with_lib.sh

build_with_lib "$tmp/alloc_fail" tests/alloc/alloc_fail.c \
    -Wl,--wrap=malloc,--wrap=calloc,--wrap=realloc,--wrap=strdup,--wrap=free ||
    fail "cannot build tests/alloc/alloc_fail.c"

"$tmp/alloc_fail" policies/sme_tax_loan.credo tests/reference/applicants.jsonl 50 "$tmp" >"$tmp/out" 2>&1 ||
    { head -40 "$tmp/out"; fail "the reference policy: not every allocation failure was clean"; }
cat "$tmp/out"
for p in policies/*.credo; do
    case $p in *.test.credo | */sme_tax_loan.credo) continue ;; esac
    apps=examples/$(basename "$p" .credo).jsonl
    [ -f "$apps" ] || continue
    "$tmp/alloc_fail" "$p" "$apps" 20 "$tmp" >"$tmp/out" 2>&1 ||
        { head -40 "$tmp/out"; fail "$p: not every allocation failure was clean"; }
    echo "$p: $(sed 's/^alloc_fail: //' "$tmp/out")"
done
