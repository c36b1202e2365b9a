# Sourced by the golden scripts that build a C test program against the
# libcredo.a next to $CREDO (tests/golden/alloc_failure.sh and
# fuzz_regressions.sh), with the sanitizers when that library has them
# (the san build of `make test`), so LeakSanitizer checks the program's
# error paths too.  Expects fail() to be defined; sets credo, build and
# lib, and defines build_with_lib.
credo=${CREDO:-build/credo}
build=$(dirname "$credo")
lib=$build/libcredo.a
[ -f "$lib" ] || fail "no $lib (run make first)"

san=""
if nm "$lib" 2>/dev/null | grep -q __asan_report; then
    san="-fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all"
fi
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1}

# build_with_lib OUT ARG...: compiles and links the sources and options
# ARG... with libcredo.a into OUT.
build_with_lib() {
    out=$1
    shift
    pkgs="libpcre2-8 sqlite3 libmd nettle hogweed"
    # shellcheck disable=SC2046,SC2086
    ${CC:-cc} -std=c11 -O1 -g $san -pthread -D_POSIX_C_SOURCE=200809L -D_DEFAULT_SOURCE -I. -I"$build/gen" \
        $(pkg-config --cflags $pkgs) "$@" "$lib" $(pkg-config --libs $pkgs) -lm -o "$out"
}
