"""Applications to JSON text, decisions from it: exact decimals both ways.

A value becomes what credo's JSON reader expects of its field: an int,
a float (its shortest repr, which gives back the number it was read
from), a decimal.Decimal (its exact text, scale kept: Decimal("4.20") is
4.20) as a JSON number; a str as a JSON string; a date or a midnight
datetime as "YYYY-MM-DD"; None, NaN, NaT and pandas.NA as null; lists,
tuples, numpy arrays and dicts as JSON lists and objects.  Anything else
is written as its str(), a JSON string, so the application is an ERROR
naming the field, never an exception."""
import datetime
import decimal
import json
import math

try:
    import numpy as _np
except ImportError:  # numpy comes with pandas; decide() and decide_many() do not need it
    _np = None

try:
    from pandas import NA as _NA, NaT as _NaT
except ImportError:
    _NA = _NaT = object()

_dumps = json.JSONEncoder(separators=(",", ":"), allow_nan=False).encode


def _float(v):
    if math.isnan(v):
        return "null"
    if math.isinf(v):  # no JSON number: a text, which credo reports as the field's mistake
        return '"inf"' if v > 0 else '"-inf"'
    return repr(v)


def _date(v):
    if isinstance(v, datetime.datetime):
        if v.hour or v.minute or v.second or v.microsecond:
            return _dumps(v.isoformat())   # not a date: credo says so
        v = v.date()
    return '"' + v.isoformat() + '"'


def value(v):
    """One value as JSON text."""
    t = type(v)
    if t is str:
        return _dumps(v)
    if t is bool:
        return "true" if v else "false"
    if t is int:
        return str(v)
    if t is float:
        return _float(v)
    if v is None or v is _NA or v is _NaT:
        return "null"
    if t is decimal.Decimal:
        return "null" if v.is_nan() else (str(v) if v.is_finite() else '"' + str(v) + '"')
    if t is list or t is tuple:
        try:
            return _dumps(v)            # plain numbers and texts: in C
        except (TypeError, ValueError):
            return "[" + ",".join(value(x) for x in v) + "]"
    if t is dict:
        return "{" + ",".join(_dumps(str(k)) + ":" + value(x) for k, x in v.items()) + "}"
    if isinstance(v, (datetime.date, datetime.datetime)):
        return _date(v)
    if _np is not None:
        if isinstance(v, _np.bool_):
            return "true" if v else "false"
        if isinstance(v, _np.integer):
            return str(int(v))
        if isinstance(v, _np.floating):
            return _float(float(v))
        if isinstance(v, _np.ndarray):
            return value(v.tolist())
        if isinstance(v, _np.datetime64):
            return "null" if _np.isnat(v) else '"' + str(v.astype("datetime64[D]")) + '"'
    if isinstance(v, float):
        return _float(float(v))
    if isinstance(v, int):
        return str(int(v))
    if isinstance(v, str):
        return _dumps(str(v))
    return _dumps(str(v))


def application(app):
    """One application (a dict, or a JSON text as is) as one line."""
    if isinstance(app, bytes):
        app = app.decode("utf-8", "surrogateescape")
    if isinstance(app, str):
        # newlines can only be white space between a JSON text's tokens
        return app.replace("\r", " ").replace("\n", " ")
    if not isinstance(app, dict):
        raise TypeError("credo: an application is a dict or a JSON text, not %s" % type(app).__name__)
    return "{" + ",".join(_dumps(str(k)) + ":" + value(v) for k, v in app.items()) + "}"


def decision(line):
    """A decision line as a dict, decimals as decimal.Decimal."""
    return json.loads(line, parse_float=decimal.Decimal)
