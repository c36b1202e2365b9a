"""decide_frame: a pandas DataFrame of applications in, one of decisions
out, the same index.

The input fields' columns go to the library as arrays (credo._columns),
BATCH rows to a call of credo_decide_columns, which reads each row as
the JSON line credo run would read for it, decides it, and gives the
decisions back as one list per column, read into typed columns:

  result type            column
  int                    Int64 (pandas' nullable int: <NA> for null and ERROR rows)
  number, money, rate    object: decimal.Decimal, exact, scale kept (None when null)
  bool                   boolean (pandas' nullable bool)
  date                   datetime64[ns] (NaT when null)
  text, a segment label  object: str (None when null)
  lists, records         object: lists and dicts, decimals as Decimal

An application credo cannot decide is a row like any other: decision
"ERROR", error the message credo run gives ("monthly_income: expected
money, got text"), reasons empty and results None."""
import decimal
import json
import os
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pandas as pd

from . import _columns
from ._lib import Column


def _objects(values):
    """A 1-D object array of values as they are (lists stay lists)."""
    return np.fromiter(values, dtype=object, count=len(values))


def _column(kind, values, index):
    # nullable dtypes whatever the rows: every batch (a Dask partition) of
    # a policy gets the same dtypes, ERROR rows or not
    base = kind.rstrip("?")
    if base == "int":
        return pd.Series(values, index=index, dtype="Int64")
    if base == "bool":
        return pd.Series(values, index=index, dtype="boolean")
    if base == "date":
        return pd.Series(pd.to_datetime(values, format="%Y-%m-%d"), index=index)
    if base in ("number", "money", "rate"):   # the library gives their exact text
        D = decimal.Decimal
        values = [None if v is None else D(v) for v in values] if None in values else list(map(D, values))
    return pd.Series(_objects(values), index=index, dtype="object")


def _threads(threads):
    if threads is None:
        return max(1, min(4, os.cpu_count() or 1))
    return max(1, int(threads))


def _decide(policy, columns, rows):
    """One batch, on this thread's session (outside the interpreter
    lock): its decisions as bytes."""
    return policy._session().decide_columns(columns, rows)


def decide_frame(policy, df, batch, threads=None):
    """See Policy.decide_frame.  Threads (each with its own session)
    decide the batches while this one reads the decisions of those done."""
    n = len(df)
    prepared = _columns.prepare(policy, df)
    names = [policy.key, "decision", "reasons", "error"] + [name for name, _ in policy.results]
    got = {name: [] for name in names}

    def read(out):
        for name, values in json.loads(out, parse_float=decimal.Decimal).items():
            got[name].extend(values)

    with ThreadPoolExecutor(max_workers=_threads(threads)) as pool:
        pending = []
        for at in range(0, n, batch):
            rows = min(batch, n - at)
            columns = (Column * len(prepared))(*[p.column(at) for p in prepared])
            pending.append(pool.submit(_decide, policy, columns, rows))
            while len(pending) > 1 and pending[0].done():
                read(pending.pop(0).result())
        for f in pending:
            read(f.result())
    index = df.index
    cols = {name: pd.Series(_objects(got[name]), index=index, dtype="object") for name in names[:4]}
    for name, kind in policy.results:
        cols[name] = _column(kind, got[name], index)
    return pd.DataFrame(cols, index=index)


def empty(policy):
    """The frame decide_frame returns for no rows: its columns and dtypes
    (Dask's meta)."""
    return decide_frame(policy, pd.DataFrame({n: [] for n, _ in policy.fields}), 1, threads=1)
