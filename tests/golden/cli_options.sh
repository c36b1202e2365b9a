#!/bin/sh
# The command line (runtime/cli/cli_common.c, cr_cli_getopt): every command
# takes `--opt=value` as `--opt value`, `-j4` as `-j 4`, and `--` ends the
# options; a usage error is one line naming the problem and a line
# `try 'credo CMD --help'`, exit 2, never the whole help; `credo --version`
# names the version, the commit and the build options.
# Runs from the project root with the credo binary in $CREDO; exit 0 = pass.
set -u
credo=${CREDO:-build/credo}
case $credo in /*) ;; *) credo=$(pwd)/$credo ;; esac
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "cli_options.sh: $*"; exit 1; }
policy=policies/sme_tax_loan.credo
apps=examples/applicants.jsonl

# --opt=value and --opt value, -j4 and -j 4, give the same decisions.
"$credo" run --as-of 2026-12-01 "$policy" "$apps" >"$tmp/a" 2>&1 || [ $? -eq 3 ] || fail "run --as-of DATE failed"
"$credo" run --as-of=2026-12-01 -j2 "$policy" "$apps" >"$tmp/b" 2>&1 || [ $? -eq 3 ] || fail "run --as-of=DATE -j2 failed"
[ -s "$tmp/a" ] && cmp -s "$tmp/a" "$tmp/b" || fail "--as-of=DATE -j2 decides differently from --as-of DATE"
"$credo" explain --as-of=2026-12-01 --line=1 "$policy" "$apps" >"$tmp/e" 2>&1 || fail "explain --line=1 failed"
grep -q APP00000001 "$tmp/e" || fail "explain --line=1 did not explain the first line"

# -- ends the options: a file named like an option is an operand.
cp policies/sme_tax_loan.credo "$tmp/--werror"
( cd "$tmp" && "$credo" check -q -- --werror ) >"$tmp/dd" 2>&1 || fail "check -- --werror (a file) failed: $(cat "$tmp/dd")"

# Usage errors: exactly two lines, the problem and where help is; exit 2.
usage_error() {   # expected-first-line command args...
    want=$1; shift
    "$credo" "$@" >"$tmp/out" 2>"$tmp/err"; rc=$?
    [ $rc -eq 2 ] || fail "credo $*: exit $rc, expected 2"
    [ -s "$tmp/out" ] && fail "credo $*: wrote to stdout on a usage error"
    [ "$(wc -l <"$tmp/err")" -eq 2 ] || fail "credo $*: not two lines: $(cat "$tmp/err")"
    [ "$(head -1 "$tmp/err")" = "$want" ] || fail "credo $*: said '$(head -1 "$tmp/err")', expected '$want'"
    cmd=$1
    [ "$(tail -1 "$tmp/err")" = "try 'credo $cmd --help'" ] || fail "credo $*: second line '$(tail -1 "$tmp/err")'"
}
usage_error "credo test: unknown option '--bogus'" test --bogus "$policy"
usage_error "credo test: option '--cases' needs a value" test "$policy" --cases
usage_error "credo test: no test file, policy or directory given" test
usage_error "credo run: unknown option '-x'" run -x "$policy"
usage_error "credo run: no POLICY given" run --as-of=2026-12-01
usage_error "credo fmt: option '--check' takes no value" fmt --check=yes "$policy"
usage_error "credo check: no policy file given" check -q
usage_error "credo explain: needs a POLICY and an APPLICATION" explain "$policy"
usage_error "credo diff: needs OLD and NEW policies" diff "$policy"
usage_error "credo compile: -o FILE.credoc is required" compile "$policy"
usage_error "credo match: unknown option '--jsn'" match --jsn policies "$apps"
usage_error "credo audit: --sign: not an option of this action" audit "$tmp/log.db" verify --sign k.pem
usage_error "credo serve: no DIR given" serve --port=0
usage_error "credo disasm: one policy at a time" disasm "$policy" "$policy"
usage_error "credo keygen: no NAME given" keygen
"$credo" frobnicate >"$tmp/out" 2>"$tmp/err"; rc=$?
[ $rc -eq 2 ] && [ "$(cat "$tmp/err")" = "credo: unknown command 'frobnicate'
try 'credo --help'" ] || fail "an unknown command: exit $rc, $(cat "$tmp/err")"

# --help still prints the whole help on stdout, exit 0.
"$credo" test --help >"$tmp/h" 2>&1 || fail "test --help failed"
head -1 "$tmp/h" | grep -q '^usage: credo test' || fail "test --help: $(head -1 "$tmp/h")"

# --version: three lines, the version as runtime/version.h defines it.
"$credo" --version >"$tmp/v" 2>&1 || fail "--version failed"
version=$(make -s --no-print-directory print-VERSION)
[ "$(sed -n 1p "$tmp/v")" = "credo $version" ] || fail "--version first line: $(sed -n 1p "$tmp/v")"
sed -n 2p "$tmp/v" | grep -Eq '^commit ([0-9a-f]{7,}(-dirty)?|unknown|.+-g[0-9a-f]+(-dirty)?)$' || fail "--version commit line: $(sed -n 2p "$tmp/v")"
sed -n 3p "$tmp/v" | grep -q '^built with .*-O' || fail "--version build line: $(sed -n 3p "$tmp/v")"
echo "cli_options.sh: --opt=value, -j2 and -- work; 15 usage errors are one line and a 'try' line, exit 2; --version names $version"
