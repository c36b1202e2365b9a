"""A DataFrame's input columns as credo_decide_columns (credo.h) takes
them, so that no JSON text is built per row in Python:

  column                          goes to the library as
  int (int64, uint64 below 2^63,  CREDO_COLUMN_INT64: the numpy array
  Int64 with <NA>)                (and a null mask)
  float                           CREDO_COLUMN_DOUBLE: the numpy array; the
                                  library writes each as its repr (NaN null)
  bool, boolean                   CREDO_COLUMN_BOOL (and a null mask)
  str, every row                  CREDO_COLUMN_TEXT: one UTF-8 buffer
  lists of floats, every row      CREDO_COLUMN_DOUBLE_LIST: the floats in
                                  one array, cut by offsets
  anything else                   CREDO_COLUMN_JSON: each value's JSON text
                                  (_json.value), one buffer

Whatever the way, a row's value is the JSON json.dumps would write for
it, so the library reads each row as credo run reads that line."""
import itertools

import numpy as np

from . import _json
from ._lib import (COLUMN_BOOL, COLUMN_DOUBLE, COLUMN_DOUBLE_LIST, COLUMN_INT64, COLUMN_JSON, COLUMN_TEXT,
                   Column)


class Prepared:
    """One column ready for the library: its arrays, kept alive here."""

    def __init__(self, field, type_, values, nulls=None, offsets=None):
        self.field = field.encode("utf-8", "surrogateescape")
        self.type = type_
        self.values = values
        self.nulls = nulls
        self.offsets = offsets

    def column(self, at):
        """The credo_column of the rows from at on."""
        c = Column(self.field, self.type)
        if self.type == COLUMN_DOUBLE_LIST:   # the offsets index the whole array
            c.values = self.values.ctypes.data
            c.offsets = self.offsets.ctypes.data + self.offsets.itemsize * at
        else:
            c.values = self.values.ctypes.data + self.values.itemsize * at
        if self.nulls is not None:
            c.nulls = self.nulls.ctypes.data + at
        return c


def prepare(policy, df):
    """The frame's columns of the policy's input (and its key), as
    Prepared; other columns are left out."""
    names = [n for n, _ in policy.fields]
    if policy.key not in names:
        names.append(policy.key)   # names the decision, declared or not
    return [_prepare(n, df[n]) for n in names if n in df.columns]


def _array(column, dtype, na_value):
    if column.hasnans:
        return np.ascontiguousarray(column.to_numpy(dtype, na_value=na_value))
    return np.ascontiguousarray(column.to_numpy(dtype))


def _prepare(name, column):
    kind = column.dtype.kind
    # a nullable extension column (Int64, boolean) marks its <NA> rows
    nulls = _array(column.isna(), np.uint8, 0) if kind in "iub" and column.hasnans else None
    if kind == "i" or (kind == "u" and (len(column) == 0 or column.max() < 1 << 63)):
        return Prepared(name, COLUMN_INT64, _array(column, np.int64, 0), nulls)
    if kind == "f":
        return Prepared(name, COLUMN_DOUBLE, _array(column, np.float64, np.nan))
    if kind == "b":
        return Prepared(name, COLUMN_BOOL, _array(column, np.uint8, 0), nulls)
    values = column.tolist()
    if kind == "O" and values:
        types = set(map(type, values))
        if types == {str}:
            texts = _pointers(values)
            if texts is not None:
                return Prepared(name, COLUMN_TEXT, texts)
        elif types == {list} and set(map(type, itertools.chain.from_iterable(values))) <= {float}:
            flat = np.fromiter(itertools.chain.from_iterable(values), np.float64)
            offsets = np.zeros(len(values) + 1, np.int64)
            np.cumsum(np.fromiter(map(len, values), np.int64, len(values)), out=offsets[1:])
            return Prepared(name, COLUMN_DOUBLE_LIST, flat, offsets=offsets)
    if kind == "M":
        cells = ["null" if v is None or v != v else _json._date(v) for v in values]   # NaT is not equal to itself
    else:
        cells = list(map(_json.value, values))
    return Prepared(name, COLUMN_JSON, _pointers(cells))


class _Texts(np.ndarray):
    """Addresses of NUL-terminated texts, holding the buffer they point into."""


def _pointers(texts):
    """The texts (str) as an array of addresses into one UTF-8 buffer, each
    text ended by a NUL; None when a text holds a NUL or cannot be
    written as UTF-8 (a JSON text can always: _json escapes both)."""
    if not texts:
        return np.zeros(0, np.uint64)
    try:
        data = ("\0".join(texts) + "\0").encode("utf-8", "surrogateescape")
    except UnicodeEncodeError:   # a lone surrogate that is not an escaped byte
        return None
    buf = np.frombuffer(data, np.uint8)
    ends = np.flatnonzero(buf == 0)
    if len(ends) != len(texts):
        return None
    starts = np.empty(len(texts), np.uint64)
    starts[0] = 0
    starts[1:] = ends[:-1] + 1
    addresses = (starts + np.uint64(buf.ctypes.data)).view(_Texts)
    addresses.buffer = buf   # lives as long as the addresses
    return addresses
