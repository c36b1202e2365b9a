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
import pandas as pd

from . import _json


def _fragments(name, column):
    """The column as "name":value JSON members, one per row."""
    key = _json._dumps(name) + ":"
    kind = column.dtype.kind
    values = column.tolist()
    if kind in "iu" and not column.hasnans:
        return [key + str(v) for v in values]
    if kind == "f":
        f = _json._float
        return [key + f(v) for v in values]
    if kind == "b" and not column.hasnans:
        return [key + ("true" if v else "false") for v in values]
    if kind == "M":
        return [key + ("null" if v is pd.NaT else _json._date(v)) for v in values]
    value = _json.value
    return [key + value(v) for v in values]


def encode(policy, df):
    """The frame's rows as JSON applications (str, one per row)."""
    names = [n for n, _ in policy.fields]
    if "app_id" not in names:
        names.append("app_id")   # names the decision, declared or not
    columns = [_fragments(n, df[n]) for n in names if n in df.columns]
    if not columns:
        return ["{}"] * len(df)
    return ["{" + ",".join(row) + "}" for row in zip(*columns)]


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
    return pd.Series(values, index=index, dtype="object")


def decide_frame(policy, df, batch):
    lines = encode(policy, df)
    session = policy._session()
    decisions = []
    for at in range(0, len(lines), batch):
        out = session.decide_lines(("\n".join(lines[at:at + batch]) + "\n").encode("utf-8", "surrogateescape"))
        decisions.extend(policy._typed(_json.decision(line)) for line in out.decode("utf-8").splitlines())
    index = df.index
    cols = {
        "app_id": pd.Series([d.get("app_id") for d in decisions], index=index, dtype="object"),
        "decision": pd.Series([d["decision"] for d in decisions], index=index, dtype="object"),
        "reasons": pd.Series([d.get("reasons", []) for d in decisions], index=index, dtype="object"),
        "error": pd.Series([d.get("error") for d in decisions], index=index, dtype="object"),
    }
    for name, kind in policy.results:
        cols[name] = _column(kind, [d.get(name) for d in decisions], index)
    return pd.DataFrame(cols, index=index)


def empty(policy):
    """The frame decide_frame returns for no rows: its columns and dtypes
    (Dask's meta)."""
    return decide_frame(policy, pd.DataFrame({n: [] for n, _ in policy.fields}), 1)
