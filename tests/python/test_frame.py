"""Policy.decide_frame against credo run: the 5,000 reference applicants
as a DataFrame (floats as pandas reads them, and exact Decimals) decide
exactly as credo run decides their JSON lines, in typed columns; bad
rows are ERROR rows with credo run's message, never an exception."""
import datetime
import decimal
import json

import numpy as np
import pandas as pd

from conftest import POLICY, canonical, credo_run


def frame_decisions(policy, out):
    """decide_frame's rows as decision dicts like credo run's lines."""
    rows = []
    names = [n for n, _ in policy.results]
    for r in out.itertuples(index=False):
        r = r._asdict()
        if r["decision"] == "ERROR":
            d = {"app_id": r["app_id"], "decision": "ERROR", "error": r["error"]}
        else:
            d = {"app_id": r["app_id"], "decision": r["decision"], "reasons": r["reasons"]}
            for n in names:
                v = r[n]
                d[n] = None if v is pd.NA else (int(v) if isinstance(v, (np.integer,)) else v)
        rows.append(d)
    return rows


def comparable(policy, d):
    d = dict(d)
    d.pop("line", None)   # the frame's row is the line
    return canonical(policy, d)


def check(policy, df, lines):
    out = policy.decide_frame(df, batch=1500)
    assert list(out.index) == list(df.index)
    want = [comparable(policy, json.loads(l, parse_float=decimal.Decimal)) for l in credo_run(POLICY, lines)]
    assert [comparable(policy, d) for d in frame_decisions(policy, out)] == want
    return out


def test_frame_of_floats(policy, lines):
    df = pd.DataFrame([json.loads(l) for l in lines])
    out = check(policy, df, lines)
    assert str(out["score"].dtype) == "Int64"
    assert str(out["limit"].dtype) == "object"
    approved = out[out["decision"] == "APPROVE"]
    assert len(approved) > len(lines) // 100
    assert all(isinstance(v, decimal.Decimal) for v in approved["limit"])


def test_frame_of_decimals(policy, lines):
    df = pd.DataFrame([json.loads(l, parse_float=decimal.Decimal) for l in lines], index=range(10, 10 + len(lines)))
    check(policy, df, lines)


def test_bad_rows(policy, lines):
    apps = [json.loads(l) for l in lines[:6]]
    apps[1]["age"] = "forty"              # a text for an int
    apps[2]["monthly_income"] = None      # null for a required field
    apps[3]["monthly_sales"] = [1.5, "x"]  # a text in a list of money
    apps[4]["uscc"] = float("nan")        # NaN: missing
    df = pd.DataFrame(apps)
    jsonl = [json.dumps(a).replace("NaN", "null") for a in apps]
    out = check(policy, df, jsonl)
    assert list(out["decision"][1:5]) == ["ERROR"] * 4
    assert out["error"][1] == "age: expected int, got text"
    assert out["score"][1] is pd.NA


def _plain(v):
    """A value as credo run's JSON line has it: NaN and <NA> null, an
    infinity the text "inf" (JSON has no number for it)."""
    if isinstance(v, list):
        return [_plain(x) for x in v]
    if v is None or v is pd.NA or (isinstance(v, float) and v != v):
        return None
    if isinstance(v, float) and v in (float("inf"), float("-inf")):
        return "inf" if v > 0 else "-inf"
    return v


def test_every_way_in(policy, lines):
    """Each way a column goes to the library (credo._columns: ints with
    <NA>, unsigned ints, floats with NaN and an infinity, texts with
    escapes, texts with None, lists of floats and a list with a NaN,
    nullable bools) decides as credo run decides the rows json.dumps
    writes."""
    apps = [json.loads(l) for l in lines[:300]]
    apps[0]["industry"] = 'F"5\\1\u00e9\n'
    apps[1]["monthly_income"] = float("inf")
    apps[2]["age"] = None
    apps[3]["blacklisted"] = None
    apps[4]["monthly_sales"] = [1.0, float("nan")]
    apps[5]["tax_grade"] = None
    apps[6]["uscc"] = "91110108MAD272HD3\x00"
    df = pd.DataFrame(apps)
    df["age"] = df["age"].astype("Int64")
    df["blacklisted"] = df["blacklisted"].astype("boolean")
    df["credit_score"] = df["credit_score"].astype("uint16")
    jsonl = [json.dumps({k: _plain(v) for k, v in a.items()}) for a in apps]
    out = check(policy, df, jsonl)
    assert out["error"][1] == "monthly_income: expected money, got text"
    assert out["error"][2] == "age: expected int, got null"
    assert out["error"][3] == "blacklisted: expected bool, got null"
    assert out["error"][4] == "monthly_sales[1]: expected money, got null"
    assert out["decision"][0] != "ERROR"


def test_column_kinds(tmp_path):
    """Dates, bools, optional and missing columns, other index labels."""
    import credo
    src = tmp_path / "kinds.credo"
    src.write_text("policy kinds\n"
                   "input a { app_id: text  born: date  vip: bool  n: int?  amount: money }\n"
                   "adult = days_between(born, today) >= 6570\n"
                   "born_on = born\n"
                   "twice = amount * 2\n"
                   "number = n ?? 0\n")
    p = credo.Policy(src, as_of=datetime.date(2026, 12, 1))
    df = pd.DataFrame({"app_id": ["a", "b", "c"],
                       "born": pd.to_datetime(["2000-02-29", "2010-01-01", None]),
                       "vip": [True, False, True],
                       "n": pd.array([1, None, 3], dtype="Int64"),
                       "amount": [decimal.Decimal("4.20"), decimal.Decimal("1"), decimal.Decimal("0.10")],
                       "ignored": ["x", "y", "z"]}, index=["r1", "r2", "r3"])
    out = p.decide_frame(df)
    assert list(out.index) == ["r1", "r2", "r3"]
    assert list(out["decision"]) == ["APPROVE", "APPROVE", "ERROR"]
    assert out["error"]["r3"] == "born: expected date, got null"
    assert list(out["adult"][:2]) == [True, False] and str(out["adult"].dtype) == "boolean"
    assert out["born_on"]["r1"] == pd.Timestamp("2000-02-29")
    assert str(out["born_on"].dtype).startswith("datetime64")
    assert [str(v) for v in out["twice"][:2]] == ["8.40", "2"]
    assert list(out["number"][:2]) == [1, 0]


def test_keyed_frame(tmp_path):
    """A policy whose input declares a key: the frame's first column is
    that key, each row's value as the line gives it."""
    import credo
    src = tmp_path / "keyed.credo"
    src.write_text("policy keyed\n"
                   "input a key customer_no { customer_no: int  age: int }\n"
                   "refer YOUNG when age < 21\n")
    p = credo.Policy(src, as_of=datetime.date(2026, 12, 1))
    assert p.key == "customer_no"
    out = p.decide_frame(pd.DataFrame({"customer_no": [1001, 1002], "age": [30, 19]}))
    assert list(out.columns[:2]) == ["customer_no", "decision"]
    assert list(out["customer_no"]) == [1001, 1002]
    assert list(out["decision"]) == ["APPROVE", "REFER"]
    assert p.decide({"customer_no": 7, "age": 40})["customer_no"] == 7

