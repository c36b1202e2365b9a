#!/bin/sh
# A host program with its own flex scanner and parser names (yylex,
# yyparse, yy_flush_buffer, yylex_init_extra: tests/golden/lib_link/)
# links with credo, statically (libcredo.a) and dynamically
# (libcredo.so), and each part calls its own functions: the host's
# scanner counts its words, credo compiles and decides a policy with its
# own (cr_yy) scanner and parser.
set -u
fail() { echo "FAIL: $*"; exit 1; }
. tests/build_with_lib.sh
so=$build/libcredo.so
[ -f "$so" ] || fail "no $so (run make first)"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

flex -o "$tmp/host_lex.c" tests/golden/lib_link/host.l || fail "flex"
cat >"$tmp/want" <<'OUT'
host words: 3
credo: {"app_id":"A1","decision":"REJECT","reasons":["AGE"],"band":"young"}
OUT

check() {   # NAME: runs $tmp/NAME and compares
    "$tmp/$1" >"$tmp/got" 2>"$tmp/err" || { cat "$tmp/err"; fail "$1 exited $?"; }
    cmp -s "$tmp/want" "$tmp/got" || { diff "$tmp/want" "$tmp/got"; fail "$1 printed something else"; }
}

# Static: the host's objects and libcredo.a in one link.
build_with_lib "$tmp/host_static" -Iruntime tests/golden/lib_link/host.c "$tmp/host_lex.c" \
    >"$tmp/log" 2>&1 || { head -20 "$tmp/log"; fail "the host does not link with libcredo.a"; }
check host_static

# Shared: the soname libcredo.so.0 found through an rpath.
mkdir "$tmp/lib"
ln -s "$(cd "$(dirname "$so")" && pwd)/libcredo.so" "$tmp/lib/libcredo.so.0"
# shellcheck disable=SC2086
${CC:-cc} -std=c11 -O1 -g $san -D_POSIX_C_SOURCE=200809L -Iruntime tests/golden/lib_link/host.c "$tmp/host_lex.c" \
    "$tmp/lib/libcredo.so.0" -Wl,-rpath,"$tmp/lib" -o "$tmp/host_shared" >"$tmp/log" 2>&1 ||
    { head -20 "$tmp/log"; fail "the host does not link with libcredo.so"; }
check host_shared
echo "lib_link: a host with its own yylex, yyparse, yy_flush_buffer and yylex_init_extra links with libcredo.a and libcredo.so; both scanners work"
