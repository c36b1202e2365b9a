"""Generated applications: the 5,000 reference applicants again and
again, each copy with its own app_id, amounts, age and requested term,
so every copy decides on its own numbers.  Used by test_dask.py and by
tests/bench/python_bench.py.  python3 generate.py N > apps.jsonl writes
N of them as JSON lines."""
import json
import sys

import pandas as pd

from conftest import APPLICANTS


def applications(n):
    """n applications as a DataFrame (floats as JSON gives them)."""
    with open(APPLICANTS) as f:
        base = pd.DataFrame([json.loads(l) for l in f])
    copies = -(-n // len(base))
    df = pd.concat([base] * copies, ignore_index=True).iloc[:n].copy()
    k = pd.Series(range(n)) // len(base)          # which copy
    df["app_id"] = ["G%08d" % i for i in range(n)]
    df["age"] = df["age"] + (k % 7) - 3
    df["requested_amount"] = df["requested_amount"] + (k % 11) * 5000.0
    df["requested_term"] = [(6, 12, 24, 36)[(t // 12 + c) % 4] for t, c in zip(df["requested_term"], k)]
    df["monthly_debt_payment"] = (df["monthly_debt_payment"] * (1 + (k % 5) / 10)).round(2)
    df["credit_score"] = (df["credit_score"] + (k % 9) * 7 - 28).clip(300, 850)
    return df


def jsonl(df):
    """The frame as JSON lines for credo run, written by the standard
    library (floats by their shortest repr, NaN as null)."""
    out = []
    for row in df.to_dict("records"):
        for k, v in row.items():
            if isinstance(v, float) and v != v:
                row[k] = None
        out.append(json.dumps(row, separators=(",", ":")))
    return out


if __name__ == "__main__":
    for line in jsonl(applications(int(sys.argv[1]))):
        print(line)
