#!/bin/sh
# make bench's Python rows: tests/bench/python_bench.py (decide_frame
# against credo run, Dask with one and two workers), then the Dask test of
# tests/python over 100,000 rows (make test runs it over 20,000).
# Usage: sh tests/bench/python_bench.sh BUILD
set -u
BUILD=${1:-build}
py=
for p in ${PYTHON:-} python3 /usr/bin/python3; do
    if "$p" -c 'import pandas, pytest, dask, distributed' 2>/dev/null; then py=$p; break; fi
done
[ -n "$py" ] || { echo "  no python3 with pandas, pytest, dask and distributed"; exit 1; }
export CREDO_LIBRARY=$PWD/$BUILD/libcredo.so CREDO=$PWD/$BUILD/credo PYTHONPATH=runtime/bindings/python:tests/python
"$py" -W ignore tests/bench/python_bench.py || exit 1
echo "the Dask test over 100,000 generated applications:"
CREDO_DASK_ROWS=100000 "$py" -m pytest -q -p no:cacheprovider -W ignore::DeprecationWarning tests/python/test_dask.py 2>&1 |
    tail -1 | sed 's/=//g; s/^ */  /'
