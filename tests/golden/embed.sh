#!/bin/sh
# The library as a user gets it: `make install` into a temporary prefix,
# examples/embed.c built against it with pkg-config only (shared, with an
# rpath, and static from libcredo.a), and both must write exactly what
# credo run writes: the 5,000 reference decisions, and the examples'
# applicants with their ERROR lines, with the same exit status.  The
# installed Python package, and the Java binding when a JDK is here,
# decide an application as credo run does.
set -u
credo=${CREDO:-build/credo}
fail() { echo "FAIL: $*"; exit 1; }

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
prefix=$tmp/prefix

# Installs the plain build (build/), whatever build this suite runs
# against: a sanitizer build's library cannot be linked without its
# sanitizer.  An enclosing `make test` passes BUILD=build/san and its
# flags down in MAKEFLAGS and as environment variables: drop them all.
plain() { env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL -u BUILD -u OPT -u SAN -u CFLAGS -u DESTDIR make --no-print-directory "$@"; }
# With a JDK, the Java binding is built first, so that make install installs it too.
java=
if command -v javac >/dev/null 2>&1 && command -v java >/dev/null 2>&1; then
    plain java >"$tmp/java.log" 2>&1 || { tail -20 "$tmp/java.log"; fail "make java"; }
    java=yes
fi
plain install PREFIX="$prefix" >"$tmp/install.log" 2>&1 || { cat "$tmp/install.log"; fail "make install"; }
for f in bin/credo lib/libcredo.a lib/libcredo.so lib/libcredo.so.0 include/credo.h lib/pkgconfig/credo.pc \
         share/man/man1/credo.1 share/man/man5/credo.5; do
    [ -e "$prefix/$f" ] || fail "make install did not install $f"
done
grep -q "^prefix=$prefix\$" "$prefix/lib/pkgconfig/credo.pc" || fail "credo.pc does not name the prefix"
version=$(sed -n 's/^#define CREDO_VERSION "\(.*\)"$/\1/p' runtime/version.h)
grep -q "^Version: $version\$" "$prefix/lib/pkgconfig/credo.pc" || fail "credo.pc does not carry the version $version"
PKG_CONFIG_PATH="$prefix/lib/pkgconfig" pkg-config --atleast-version="$version" credo || fail "pkg-config: credo is older than $version"

export PKG_CONFIG_PATH="$prefix/lib/pkgconfig"
cc=${CC:-cc}
# shellcheck disable=SC2046
"$cc" -std=c11 -Wall -Wextra -Werror -o "$tmp/embed" examples/embed.c $(pkg-config --cflags --libs credo) \
    -Wl,-rpath,"$prefix/lib" || fail "embed.c does not build against the shared library"
# Static: libcredo.a and what credo.pc says it needs (Requires.private,
# Libs.private); -lcredo is left out so that nothing picks the .so.
# shellcheck disable=SC2046
"$cc" -std=c11 -Wall -Wextra -Werror -o "$tmp/embed_static" examples/embed.c $(pkg-config --cflags credo) \
    "$prefix/lib/libcredo.a" $(pkg-config --static --libs credo | sed 's/-lcredo\b//') ||
    fail "embed.c does not build against the static library"
ldd "$tmp/embed" | grep -q "libcredo.so.0 => $prefix/lib/" || fail "embed does not use the installed libcredo.so.0"
ldd "$tmp/embed_static" | grep -q libcredo && fail "embed_static is linked to libcredo.so"

# The Python package as make install puts it, used from another folder
# with nothing set but PYTHONPATH: it loads the installed library by
# itself and decides as credo run does.
site=$prefix/lib/python3/dist-packages
[ -f "$site/credo/__init__.py" ] || fail "make install did not install the Python package in $site"
line=$(head -1 examples/applicants.jsonl)
root=$(pwd)
want=$(printf '%s\n' "$line" | "$credo" run --as-of 2026-12-01 policies/sme_tax_loan.credo)
got=$(cd "$tmp" && env -u CREDO_LIBRARY -u LD_PRELOAD -u LD_LIBRARY_PATH PYTHONPATH="$site" "${PYTHON:-python3}" -c '
import credo, sys
if credo.library_path() != sys.argv[1]:
    sys.exit("the installed package loaded " + credo.library_path())
policy = credo.Policy(sys.argv[2], as_of="2026-12-01")
sys.stdout.write(policy.decide_json_lines(sys.argv[3] + "\n").decode())
' "$prefix/lib/libcredo.so.0" "$root/policies/sme_tax_loan.credo" "$line") || fail "the installed Python package"
[ "$got" = "$want" ] || fail "the installed Python package decided $got, credo run $want"
echo "python: the package installed in $site decides as credo run"

# The Java binding as make install puts it (when a JDK built it): the
# jar on the class path, libcredo_jni.so found on java.library.path.
if [ -n "$java" ]; then
    for f in share/java/credo.jar lib/jni/libcredo_jni.so; do
        [ -f "$prefix/$f" ] || fail "make install did not install $f"
    done
    mkdir "$tmp/javauser"
    cat >"$tmp/javauser/Installed.java" <<'JAVA'
public class Installed {
    public static void main(String[] args) throws Exception {
        try (credo.Policy policy = credo.Policy.load(args[0], "2026-12-01")) {
            System.out.println(policy.decide(args[1]));
        }
    }
}
JAVA
    javac -cp "$prefix/share/java/credo.jar" -d "$tmp/javauser" "$tmp/javauser/Installed.java" ||
        fail "javac against the installed credo.jar"
    got=$(env -u CREDO_JNI_LIBRARY -u LD_PRELOAD java -cp "$prefix/share/java/credo.jar:$tmp/javauser" \
          -Djava.library.path="$prefix/lib/jni" Installed policies/sme_tax_loan.credo "$line") ||
        fail "the installed Java binding"
    [ "$got" = "$want" ] || fail "the installed Java binding decided $got, credo run $want"
    echo "java: credo.jar and libcredo_jni.so installed in $prefix decide as credo run"
fi

# Same bytes and the same exit status as credo run.
compare() {   # INPUT [POLICY for embed]
    "$credo" run --as-of 2026-12-01 policies/sme_tax_loan.credo "$1" >"$tmp/want" 2>"$tmp/want.err"
    want=$?
    for bin in embed embed_static; do
        "$tmp/$bin" --as-of 2026-12-01 "${2:-policies/sme_tax_loan.credo}" <"$1" >"$tmp/got" 2>"$tmp/got.err"
        got=$?
        if ! cmp -s "$tmp/want" "$tmp/got"; then
            diff "$tmp/want" "$tmp/got" | head -10
            fail "$bin over $1 differs from credo run"
        fi
        [ "$got" -eq "$want" ] || fail "$bin over $1 exits $got, credo run $want"
    done
    echo "$1: $(wc -l <"$tmp/got") lines identical to credo run (exit $want)"
}
compare tests/reference/applicants.jsonl
compare examples/applicants.jsonl
[ "$(wc -l <"$tmp/want")" -gt 0 ] || fail "no output"
grep -q '"decision":"ERROR"' "$tmp/want" || fail "the examples have no ERROR line to compare"

# A compiled policy (credo compile) decides the same; a damaged one is refused.
"$prefix/bin/credo" compile policies/sme_tax_loan.credo -o "$tmp/sme.credoc" || fail "credo compile"
compare tests/reference/applicants.jsonl "$tmp/sme.credoc"
head -c 200 "$tmp/sme.credoc" >"$tmp/cut.credoc"
"$tmp/embed" "$tmp/cut.credoc" </dev/null 2>"$tmp/err"
[ $? -eq 1 ] || fail "a damaged .credoc must exit 1"
grep -q "cannot load $tmp/cut.credoc: " "$tmp/err" || { cat "$tmp/err"; fail "a damaged .credoc says why"; }

# A policy that does not compile: file:line:col on stderr, exit 1.
printf 'policy broken\ninput a { x: int }\nr = y\n' >"$tmp/broken.credo"
"$tmp/embed" "$tmp/broken.credo" </dev/null 2>"$tmp/err"
[ $? -eq 1 ] || fail "a broken policy must exit 1"
grep -q "broken.credo:3:5: error: " "$tmp/err" || { cat "$tmp/err"; fail "a compile error names its place"; }
exit 0
