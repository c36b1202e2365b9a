#!/bin/sh
# The Python package (runtime/bindings/python) over this build's
# libcredo.so: pytest runs tests/python, which compares every entry point
# (decide, decide_many, decide_frame, explain, four threads, credo.dask
# on a two-process LocalCluster, 20,000 rows here and 100,000 in make
# bench) with credo run.  In the sanitizer pass
# the library is built with AddressSanitizer, which must be loaded before
# the interpreter: it is preloaded, leak checking off (the interpreter
# keeps its memory to the end), and the Dask test, whose worker
# processes would each need the same, is left to the plain pass.
set -u
credo=${CREDO:-build/credo}
build=$(dirname "$credo")
fail() { echo "FAIL: $*"; exit 1; }
so=$build/libcredo.so
[ -f "$so" ] || fail "no $so (run make first)"

# python3 with pandas and pytest: the one on PATH, or the distribution's
# (.ci/run installs python3-pandas python3-pytest python3-dask
# python3-distributed).
py=
for p in ${PYTHON:-} python3 /usr/bin/python3; do
    if "$p" -c 'import pandas, pytest' 2>/dev/null; then py=$p; break; fi
done
[ -n "$py" ] || fail "no python3 with pandas and pytest (apt-get install python3-pandas python3-pytest)"

export CREDO_LIBRARY=$so CREDO=$credo PYTHONPATH=runtime/bindings/python:tests/python
select=
if nm "$build/libcredo.a" 2>/dev/null | grep -q __asan_report; then
    asan=$(${CC:-cc} -print-file-name=libasan.so)
    [ -f "$asan" ] || fail "the library is built with AddressSanitizer, and $asan is missing"
    export LD_PRELOAD=$asan ASAN_OPTIONS=detect_leaks=0
    select="--ignore=tests/python/test_dask.py"
    # slower by ten under the sanitizers: the first 500 applicants
    export CREDO_TEST_APPLICANTS=500
    what="sanitizer build, 500 applicants, without the Dask test"
else
    # 100,000 rows in make bench (tests/bench/run.sh); fewer here, to stay short
    export CREDO_DASK_ROWS=${CREDO_DASK_ROWS:-20000}
    what="with the Dask test over $CREDO_DASK_ROWS rows"
fi
out=$(mktemp)
trap 'rm -f "$out"' EXIT
# shellcheck disable=SC2086
if ! timeout 600 "$py" -m pytest -q -p no:cacheprovider -W ignore::DeprecationWarning $select tests/python >"$out" 2>&1; then
    tail -40 "$out"
    fail "pytest tests/python"
fi
summary=$(tail -1 "$out" | sed 's/=//g; s/^ *//; s/ *$//')
summary="$summary ($what)"

# README.md's section "Python, pandas and Dask", as a user runs it: the
# package installed with pip from the checkout into a virtual
# environment, then each example.  (Plain pass only: the examples' Dask
# workers and pip's own interpreter would need the sanitizer preloaded.)
if [ -n "${LD_PRELOAD:-}" ]; then
    echo "python: $summary; README examples left to the plain pass"
    exit 0
fi
tmp=$(mktemp -d)
trap 'rm -f "$out"; rm -rf "$tmp"' EXIT
awk '/^## Python, pandas and Dask/ { on = 1; next } on && /^## / { exit }
     on && /^```python$/ { n++; file = dir "/example" n ".py"; inside = 1; next }
     on && /^```$/ { inside = 0; next }
     inside { print > file }' dir="$tmp" README.md
[ -f "$tmp/example3.py" ] || fail "README.md's Python section has fewer than three examples"
"$py" -m venv --system-site-packages "$tmp/venv" >"$tmp/venv.log" 2>&1 || { cat "$tmp/venv.log"; fail "python3 -m venv"; }
# from a copy: building leaves credo.egg-info beside the sources
cp -R runtime/bindings/python "$tmp/src" && rm -rf "$tmp/src/credo.egg-info" "$tmp/src/build"
"$tmp/venv/bin/pip" install -q --no-build-isolation --no-index "$tmp/src" >"$tmp/pip.log" 2>&1 ||
    { tail -20 "$tmp/pip.log"; fail "pip install runtime/bindings/python"; }
for n in 1 2 3; do
    # the installed package, not the checkout's; the library of this build
    env -u PYTHONPATH timeout 120 "$tmp/venv/bin/python" -W ignore "$tmp/example$n.py" >"$tmp/out$n" 2>"$tmp/err$n" ||
        { tail -20 "$tmp/err$n"; fail "README example $n"; }
done
grep -q "'app_id': 'APP00000001', 'decision': '[A-Z]*'" "$tmp/out1" || { cat "$tmp/out1"; fail "example 1 printed no decision"; }
grep -q "ERROR" "$tmp/out2" && grep -q "APPROVE" "$tmp/out2" || { cat "$tmp/out2"; fail "example 2 printed no frame of decisions"; }
want=$("$credo" run --as-of 2026-12-01 policies/sme_tax_loan.credo examples/applicants.jsonl | grep -c '"decision":"ERROR"')
grep -q "^ERROR  *$want\$" "$tmp/out3" || { cat "$tmp/out3"; fail "example 3 did not count $want ERROR decisions"; }
echo "python: $summary; pip installs the package and README.md's three examples run"
