"""decide_frame: a pandas DataFrame of applications in, one of decisions
out, the same index.

Each input field's column is written as JSON column by column (credo's
own reader then checks every value against the policy's types), the
rows are decided by the library BATCH at a time, and the decision lines
are read back into typed columns:

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
import re
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pandas as pd

from . import _json

# A column's texts that need no escaping: no quote, backslash or control
# character (JSON takes every other character as it is).
_PLAIN_TEXT = re.compile(r'[^"\\\x00-\x1f]*\Z')


def _texts(column):
    """The column's values as JSON texts, one per row.  The common kinds
    of column are written a whole column at a time; a column with
    anything else in it goes value by value (_json.value)."""
    kind = column.dtype.kind
    values = column.tolist()
    if kind in "iu" and not column.hasnans:
        return list(map(str, values))
    if kind == "f":
        if np.isfinite(column.to_numpy()).all():
            return list(map(repr, values))
        return list(map(_json._float, values))
    if kind == "b" and not column.hasnans:
        return ["true" if v else "false" for v in values]
    if kind == "M":
        return ["null" if v is pd.NaT else _json._date(v) for v in values]
    if kind == "O" and values:
        if all(type(v) is str for v in values) and _PLAIN_TEXT.match("".join(values)):
            return ['"' + v + '"' for v in values]
        if all(type(v) is list for v in values):
            # the whole column in one call of the C encoder, cut into rows
            # where that is safe: flat lists of numbers (no quote, one "["
            # a row); their brackets go into the row's format (_member)
            try:
                text = _json._dumps(values)
            except (TypeError, ValueError):   # a Decimal, a date, a NaN inside
                text = ""
            if text and '"' not in text and text.count("[") == len(values) + 1:
                return _Bracketed(text[2:-2].split("],["))
    return list(map(_json.value, values))


class _Bracketed(list):
    """Texts of lists without their brackets."""


def _member(name, texts):
    member = _json._dumps(name).replace("%", "%%") + ":"
    return member + ("[%s]" if isinstance(texts, _Bracketed) else "%s")


def encode(policy, df):
    """The frame's rows as JSON applications (str, one per row): each
    row one %-format of its columns' texts."""
    names = [n for n, _ in policy.fields]
    if policy.key not in names:
        names.append(policy.key)   # names the decision, declared or not
    names = [n for n in names if n in df.columns]
    if not names:
        return ["{}"] * len(df)
    columns = [_texts(df[n]) for n in names]
    row = "{" + ",".join(_member(n, texts) for n, texts in zip(names, columns)) + "}"
    return [row % values for values in zip(*columns)]


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
    if base in ("number", "money", "rate"):   # JSON writes a decimal of scale 0 as an integer
        D = decimal.Decimal
        values = [D(v) if type(v) is int else v for v in values]
    return pd.Series(_objects(values), index=index, dtype="object")


def _decisions(out):
    """A batch's decision lines (bytes) as dicts, in one parse."""
    if not out:
        return []
    text = out.decode("utf-8")
    # lines hold no raw newline (JSON escapes them): one list of objects
    return json.loads("[" + text[:-1].replace("\n", ",") + "]", parse_float=decimal.Decimal)


def _threads(threads):
    if threads is None:
        return max(1, min(4, os.cpu_count() or 1))
    return max(1, int(threads))


def decide_frame(policy, df, batch, threads=None):
    """See Policy.decide_frame.  The rows are written as JSON a batch at a
    time on this thread while other threads (each with its own session)
    decide the batches before, outside the interpreter lock."""
    n = len(df)
    decisions = []
    with ThreadPoolExecutor(max_workers=_threads(threads)) as pool:
        pending = []
        for at in range(0, n, batch):
            lines = encode(policy, df.iloc[at:at + batch])
            text = ("\n".join(lines) + "\n").encode("utf-8", "surrogateescape")
            pending.append(pool.submit(lambda t: policy._session().decide_lines(t), text))
            while len(pending) > 1 and pending[0].done():
                decisions.extend(_decisions(pending.pop(0).result()))
        for f in pending:
            decisions.extend(_decisions(f.result()))
    index = df.index
    cols = {
        policy.key: pd.Series(_objects([d.get(policy.key) for d in decisions]), index=index, dtype="object"),
        "decision": pd.Series(_objects([d["decision"] for d in decisions]), index=index, dtype="object"),
        "reasons": pd.Series(_objects([d.get("reasons", []) for d in decisions]), index=index, dtype="object"),
        "error": pd.Series(_objects([d.get("error") for d in decisions]), index=index, dtype="object"),
    }
    for name, kind in policy.results:
        cols[name] = _column(kind, [d.get(name) for d in decisions], index)
    return pd.DataFrame(cols, index=index)


def empty(policy):
    """The frame decide_frame returns for no rows: its columns and dtypes
    (Dask's meta)."""
    return decide_frame(policy, pd.DataFrame({n: [] for n, _ in policy.fields}), 1, threads=1)
