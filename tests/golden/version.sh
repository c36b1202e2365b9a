#!/bin/sh
# One release, written once (runtime/version.h): `credo --version`, the
# Makefile's VERSION (which credo.pc carries: tests/golden/embed.sh) and
# the Python package's pyproject.toml all give it.  (credo_version() is
# checked against `credo --version` by tests/python/test_policy.py.)
set -u
credo=${CREDO:-build/credo}
fail() { echo "FAIL: $*"; exit 1; }
header=$(sed -n 's/^#define CREDO_VERSION "\(.*\)"$/\1/p' runtime/version.h)
[ -n "$header" ] || fail "runtime/version.h defines no CREDO_VERSION"
make_version=$(env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL make -s --no-print-directory print-VERSION)
[ "$make_version" = "$header" ] || fail "the Makefile's VERSION is '$make_version', runtime/version.h says '$header'"
cli=$("$credo" --version) || fail "credo --version exits $?"
cli=$(printf '%s\n' "$cli" | sed -n 1p)
[ "$cli" = "credo $header" ] || fail "credo --version's first line is '$cli', not 'credo $header'"
py=$(sed -n 's/^version = "\(.*\)"$/\1/p' runtime/bindings/python/pyproject.toml)
[ "$py" = "$header" ] || fail "runtime/bindings/python/pyproject.toml says version '$py', not '$header'"
echo "version: runtime/version.h, the Makefile, credo --version and the Python package all say $header"
