#!/bin/sh
# The Java binding (runtime/bindings/java): `make java` builds
# libcredo_jni.so and credo.jar for this build, javac compiles the JUnit 5
# tests of tests/java, and the JUnit console launcher runs them (the
# reference applicants from four threads against credo run, load errors,
# ERROR decisions, close), the JVM checking every JNI call; then
# README.md's Java example is compiled and run.  Any failure fails the
# script.
#
# In the sanitizer pass (BUILD=build/san) the library is built with
# AddressSanitizer, whose runtime would have to be loaded before the JVM
# itself, and HotSpot's signal handlers and memory reservations do not
# run under it: the pass says so and leaves the Java tests to the plain
# pass.
set -u
credo=${CREDO:-build/credo}
build=$(dirname "$credo")
fail() { echo "FAIL: $*"; exit 1; }
[ -f "$build/libcredo.a" ] || fail "no $build/libcredo.a (run make first)"
if nm "$build/libcredo.a" 2>/dev/null | grep -q __asan_report; then
    echo "java: skipped in the sanitizer pass (the JVM cannot load an AddressSanitizer library); the plain pass runs it"
    exit 0
fi
for tool in java javac jar; do
    command -v $tool >/dev/null 2>&1 || fail "no $tool (apt-get install openjdk-17-jdk-headless)"
done
junit=${JUNIT_CONSOLE:-/usr/share/java/junit-platform-console-standalone.jar}
[ -f "$junit" ] || fail "no $junit (apt-get install junit5)"

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
make -s --no-print-directory BUILD="$build" java >"$tmp/make.log" 2>&1 || { tail -30 "$tmp/make.log"; fail "make java"; }
jar=$build/java/credo.jar
jni=$build/java/libcredo_jni.so

# the tests, compiled against the jar as a user's code is
rm -rf "$build/java/test"
javac -Xlint:all -Xlint:-path -Werror -cp "$jar:$junit" -d "$build/java/test" tests/java/credo/*.java \
    >"$tmp/javac.log" 2>&1 || { cat "$tmp/javac.log"; fail "javac tests/java"; }
reports=$build/test-results/java
rm -rf "$reports"
# -Xcheck:jni: the JVM checks every JNI call of credo_jni.c (arguments,
# exceptions left pending, local references) and warns or stops
if ! timeout 600 java -Xcheck:jni -Dcredo.jni.library="$jni" -Dcredo.command="$credo" -cp "$junit:$jar:$build/java/test" \
        org.junit.platform.console.ConsoleLauncher --disable-banner --disable-ansi-colors --fail-if-no-tests \
        --details=summary --reports-dir "$reports" --scan-class-path "$build/java/test" >"$tmp/junit.log" 2>&1; then
    grep -v '^[[:space:]]*$' "$tmp/junit.log" | head -60
    fail "JUnit tests/java"
fi
ok=$(sed -n 's/^\[ *\([0-9]*\) tests successful.*/\1/p' "$tmp/junit.log")
failed=$(sed -n 's/^\[ *\([0-9]*\) tests failed.*/\1/p' "$tmp/junit.log")
if [ "${ok:-0}" -eq 0 ] || [ "${failed:-1}" -ne 0 ]; then
    cat "$tmp/junit.log"
    fail "JUnit ran no test or some failed"
fi
if grep -n 'WARNING in native method\|FATAL ERROR in native method' "$tmp/junit.log"; then
    fail "-Xcheck:jni found a misused JNI call"
fi

# README.md's section "Java": its example, compiled and run by its own
# javac and java lines (make java ran above), in a folder where build/ is
# this build and the policy and applicants are where the example looks
awk '/^## Java/ { on = 1; next } on && /^## / { exit }
     on && /^```java$/ { inside = "java"; next }
     on && /^```sh$/ { inside = "sh"; next }
     on && /^```$/ { inside = ""; next }
     inside == "java" { print > java }
     inside == "sh" && /^(javac|java) / { print > sh }' java="$tmp/Example.java" sh="$tmp/commands.sh" README.md
[ -s "$tmp/Example.java" ] || fail "README.md's Java section has no example"
[ "$(wc -l <"$tmp/commands.sh" 2>/dev/null)" -eq 2 ] || fail "README.md's Java section has no javac and java lines"
grep -q '^make java' README.md || fail "README.md's Java section does not say make java"
mkdir "$tmp/user"
ln -s "$(cd "$build" && pwd)" "$tmp/user/build"
ln -s "$(pwd)/policies" "$tmp/user/policies"
ln -s "$(pwd)/examples" "$tmp/user/examples"
mv "$tmp/Example.java" "$tmp/user/"
(cd "$tmp/user" && timeout 120 sh -e "$tmp/commands.sh") >"$tmp/example.out" 2>&1 ||
    { cat "$tmp/commands.sh" "$tmp/example.out"; fail "README example"; }
want=$("$credo" run --as-of 2026-12-01 policies/sme_tax_loan.credo examples/applicants.jsonl | head -1)
[ "$(sed -n 1p "$tmp/example.out")" = "$want" ] || { cat "$tmp/example.out"; fail "README example's first line is not credo run's: $want"; }
[ "$(sed -n 2p "$tmp/example.out")" = "ERROR: age: expected int, got text" ] ||
    { cat "$tmp/example.out"; fail "README example's second line"; }
echo "java: $ok JUnit tests passed (-Xcheck:jni); README.md's example built and run by its own commands"
