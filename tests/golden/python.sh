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
    what="sanitizer build, without the Dask test"
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
echo "python: $(tail -1 "$out" | sed 's/=//g; s/^ *//; s/ *$//') ($what)"
