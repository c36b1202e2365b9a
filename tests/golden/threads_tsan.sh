#!/bin/sh
# Four threads sharing one compiled policy, under ThreadSanitizer: builds
# tests/unit/test_api.c and the library's sources (the Makefile's LIB_SRC
# and the generated parser and lexer) with -fsanitize=thread and runs the
# threaded test, which decides the 5,000 reference applicants in each
# thread and compares every decision with a single-threaded run.  Any race
# TSan sees fails the check.
#
# The library is compiled here rather than linked from libcredo.a: TSan
# must instrument every access, the library's included.  Where TSan itself
# cannot run (no libtsan, or a kernel whose address layout it does not
# support), the check says so and passes: that is the machine, not credo.
set -u
credo=${CREDO:-build/credo}
build=$(dirname "$credo")
cc=${CC:-cc}
fail() { echo "FAIL: $*"; exit 1; }

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# Can TSan run at all here?
printf 'int main(void) { return 0; }\n' > "$tmp/probe.c"
if ! probe=$("$cc" -fsanitize=thread -o "$tmp/probe" "$tmp/probe.c" 2>&1 && "$tmp/probe" 2>&1); then
    echo "SKIP: ThreadSanitizer cannot run on this machine:"
    echo "$probe"
    exit 0
fi

# The library's sources exactly as the Makefile lists them (make expands
# $(LIB_SRC), not the shell).
# shellcheck disable=SC2016
lib_src=$(printf 'print-lib-src:\n\t@echo $(LIB_SRC)\n' |
          env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL make -s --no-print-directory -f Makefile -f - BUILD="$build" print-lib-src) ||
    fail "cannot read LIB_SRC from the Makefile"
if [ ! -f "$build/gen/parser.c" ] || [ ! -f "$build/gen/lexer.c" ]; then
    fail "$build/gen has no parser.c/lexer.c: build first"
fi

# One compile and link: no -W flags (the Makefile's builds check
# warnings), -O1 as the sanitizer builds of make test.
# shellcheck disable=SC2086,SC2046
"$cc" -std=c11 -O1 -g -fsanitize=thread -fno-omit-frame-pointer -pthread \
    -D_POSIX_C_SOURCE=200809L -D_DEFAULT_SOURCE -I. -I"$build/gen" \
    $(pkg-config --cflags libpcre2-8 sqlite3 libmd cmocka) \
    -o "$tmp/test_api" tests/unit/test_api.c $lib_src "$build/gen/parser.c" "$build/gen/lexer.c" \
    $(pkg-config --libs libpcre2-8 sqlite3 libmd cmocka) -lm -pthread ||
    fail "test_api and the library do not build with -fsanitize=thread"

out=$(TSAN_OPTIONS="halt_on_error=1 exitcode=66 second_deadlock_stack=1" "$tmp/test_api" test_threads 2>&1)
rc=$?
echo "$out" | tail -5
if echo "$out" | grep -q 'WARNING: ThreadSanitizer'; then
    echo "$out" | grep -A30 'WARNING: ThreadSanitizer' | head -60
    fail "ThreadSanitizer reports a race"
fi
[ "$rc" -eq 0 ] || fail "the threaded test exits $rc"
echo "$out" | grep -q '^\[  PASSED  \] 1 test' || fail "the threaded test did not run"
echo "threads under ThreadSanitizer: no races"
