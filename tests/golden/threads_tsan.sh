#!/bin/sh
# Everything in credo that runs threads, under ThreadSanitizer:
#   - the library: tests/unit/test_api.c's threaded test, four threads
#     sharing one compiled policy, each deciding the 5,000 reference
#     applicants and comparing every decision with a single-threaded run;
#   - credo run -j: tests/golden/run_parallel.sh (100,000 applicants, -j 2
#     must write exactly what -j 1 writes);
#   - credo serve: tests/golden/serve.sh (4 server threads, requests over
#     keep-alive and new connections, 20 reloads under load, SIGTERM under
#     load), and tests/golden/serve_reload.sh (files written in halves
#     while inotify marks them busy, load errors read by /v1/policies and
#     /metrics while the watcher writes them).
#   - credo run --log, whose decision log is written on a thread of its
#     own: tests/golden/audit_supersede.sh;
#   - credo serve --log, whose requests wait on one another's group
#     commit, with a challenger and a shadow: tests/golden/serve_online.sh.
# Each is built here from the Makefile's sources (LIB_SRC, CLI_SRC and the
# generated parser and lexer) with -fsanitize=thread, and any race TSan
# reports fails the check.  TSan writes its reports to files (log_path), so
# a report from the server, whose stderr serve.sh keeps, is seen too.
#
# The library is compiled here rather than linked from libcredo.a: TSan
# must instrument every access, the library's included.  Where TSan itself
# cannot run (no libtsan, or a kernel whose address layout it does not
# support), the check says so and passes: that is the machine, not credo.
set -u
if [ -n "${CREDO_TSAN_DONE:-}" ]; then
    echo "SKIP: the plain pass of make test ran this check (its binaries are its own)"
    exit 0
fi
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

# The sources exactly as the Makefile lists them (make expands the
# variable, not the shell): make_var NAME prints $(NAME).
make_var() {
    # shellcheck disable=SC2016
    printf 'print-var:\n\t@echo $(%s)\n' "$1" |
        env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL make -s --no-print-directory -f Makefile -f - BUILD="$build" print-var
}
lib_src=$(make_var LIB_SRC) || fail "cannot read LIB_SRC from the Makefile"
cli_src=$(make_var CLI_SRC) || fail "cannot read CLI_SRC from the Makefile"
lib_pkgs=$(make_var LIB_PKGS) || fail "cannot read LIB_PKGS from the Makefile"
lib_libs=$(make_var LIB_LIBS) || fail "cannot read LIB_LIBS from the Makefile"
cli_pkgs=$(make_var PKGS) || fail "cannot read PKGS from the Makefile"
if [ ! -f "$build/gen/parser.c" ] || [ ! -f "$build/gen/lexer.c" ]; then
    fail "$build/gen has no parser.c/lexer.c: build first"
fi

# One compile and link: no -W flags (the Makefile's builds check
# warnings), -O1 as the sanitizer builds of make test; the libraries are
# the Makefile's LIB_PKGS and LIB_LIBS (and PKGS, the command's, for credo).
# shellcheck disable=SC2086,SC2046
"$cc" -std=c11 -O1 -g -fsanitize=thread -fno-omit-frame-pointer -pthread \
    -D_POSIX_C_SOURCE=200809L -D_DEFAULT_SOURCE -I. -I"$build/gen" \
    $(pkg-config --cflags $lib_pkgs cmocka) \
    -o "$tmp/test_api" tests/unit/test_api.c $lib_src "$build/gen/parser.c" "$build/gen/lexer.c" \
    $(pkg-config --libs $lib_pkgs cmocka) $lib_libs -lm -pthread ||
    fail "test_api and the library do not build with -fsanitize=thread"

out=$(TSAN_OPTIONS="halt_on_error=1 exitcode=66 second_deadlock_stack=1" "$tmp/test_api" test_threads 2>&1)
rc=$?
echo "$out" | tail -5
if echo "$out" | grep -q 'WARNING: ThreadSanitizer'; then
    echo "$out" | grep -A30 'WARNING: ThreadSanitizer' | head -60
    fail "ThreadSanitizer reports a race in the library"
fi
[ "$rc" -eq 0 ] || fail "the threaded test exits $rc"
echo "$out" | grep -q '^\[  PASSED  \] 1 test' || fail "the threaded test did not run"
echo "library threads under ThreadSanitizer: no races"

# shellcheck disable=SC2086,SC2046
"$cc" -std=c11 -O1 -g -fsanitize=thread -fno-omit-frame-pointer -pthread \
    -D_POSIX_C_SOURCE=200809L -D_DEFAULT_SOURCE -I. -I"$build/gen" \
    $(pkg-config --cflags $cli_pkgs) \
    -o "$tmp/credo" $cli_src $lib_src "$build/gen/parser.c" "$build/gen/lexer.c" \
    $(pkg-config --libs $cli_pkgs) $lib_libs -lm -pthread ||
    fail "credo does not build with -fsanitize=thread"

# cli CHECK: tests/golden/CHECK.sh with the TSan build of credo; its
# output, and every report TSan wrote, if any
cli() {
    mkdir "$tmp/reports-$1" || fail "mkdir"
    if ! CREDO=$tmp/credo TSAN_OPTIONS="log_path=$tmp/reports-$1/tsan second_deadlock_stack=1" \
        sh "tests/golden/$1.sh" > "$tmp/$1.out" 2>&1; then
        cat "$tmp/$1.out"
        cat "$tmp/reports-$1"/* 2>/dev/null | head -60
        fail "$1.sh fails under ThreadSanitizer"
    fi
    tail -1 "$tmp/$1.out"
    if [ -n "$(ls "$tmp/reports-$1")" ]; then
        cat "$tmp/reports-$1"/* | head -60
        fail "ThreadSanitizer reports a race in $1.sh"
    fi
}
cli run_parallel
cli serve
cli serve_reload
cli audit_supersede
cli serve_online
echo "credo run -j, credo run --log, credo serve and serve --log under ThreadSanitizer: no races"
