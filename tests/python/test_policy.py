"""credo.Policy against credo run: the 5,000 reference applicants decide
exactly as `credo run --as-of 2026-12-01` decides them through decide(),
decide_many() (dicts and JSON texts) and decide_json_lines(); explain()
gives what `credo explain --json` gives; four threads share one Policy;
limits, bad policies and bad applications give clear errors."""
import decimal
import hashlib
import json
import os
import subprocess
import threading

import pytest

import credo
from conftest import AS_OF, CREDO, POLICY, canonical, credo_run


def test_identity(policy):
    assert policy.name == "sme_tax_loan"
    assert policy.version == "2026.11.1"
    assert policy.effective == "2026-12-01"
    assert policy.owner == "retail-risk"
    with open(POLICY, "rb") as f:
        assert policy.sha256 == hashlib.sha256(f.read()).hexdigest()
    assert len(policy.program_sha256) == 64
    assert policy.key == "app_id"
    assert policy.fields[0] == ("app_id", "text")
    assert ("collateral_value", "money?") in policy.fields
    assert policy.results == [("score", "int"), ("tier", "tier label"), ("limit", "number"), ("rate", "number")]
    version = subprocess.run([CREDO, "--version"], capture_output=True, text=True).stdout.splitlines()[0].split()
    assert version == ["credo", credo.library_version()]
    assert credo.library_path() == os.environ["CREDO_LIBRARY"]   # python.sh sets it


def test_decide_each(policy, lines, expected):
    for line, want in zip(lines, expected):
        got = policy.decide(json.loads(line))
        assert canonical(policy, got) == canonical(policy, want), line


def test_decide_many(policy, lines, expected):
    want = [canonical(policy, d) for d in expected]
    apps = [json.loads(l, parse_float=decimal.Decimal) for l in lines]
    assert [canonical(policy, d) for d in policy.decide_many(apps, batch=700)] == want
    assert [canonical(policy, d) for d in policy.decide_many(lines)] == want


def test_decide_json_lines(policy, lines):
    text = "".join(l + "\n" for l in lines)
    assert policy.decide_json_lines(text).decode().splitlines() == credo_run(POLICY, lines)


def test_errors_are_decisions(policy):
    bad = ['{"app_id":"B1","age":"forty"}', "not json", "", '{"app_id":"B2"}']
    want = [json.loads(l) for l in credo_run(POLICY, bad)]
    assert [d["decision"] for d in want] == ["ERROR"] * 4
    assert list(policy.decide_many(bad, batch=3)) == want   # numbered over the whole iterable
    assert policy.decide({"app_id": "B3", "age": float("inf")})["error"].startswith("age: expected int")


def test_explain(policy, lines):
    for n in (1, 2, 17):
        p = subprocess.run([CREDO, "explain", "--json", "--as-of", AS_OF, "--line", str(n), POLICY, "-"],
                           input="\n".join(lines), capture_output=True, text=True, check=True)
        assert policy.explain(json.loads(lines[n - 1])) == json.loads(p.stdout, parse_float=decimal.Decimal)
    with pytest.raises(credo.CredoError) as e:
        policy.explain({"app_id": "X"})
    assert e.value.kind == "input" and e.value.message == "age: required field is missing"


def test_four_threads_share_one_policy(policy, lines, expected):
    want = [canonical(policy, d) for d in expected]
    got = [None] * 4
    apps = [json.loads(l) for l in lines]

    def work(k):
        mine = []
        for _ in range(3):
            mine = [canonical(policy, d) for d in policy.decide_many(apps[k::4], batch=250)]
        got[k] = mine

    threads = [threading.Thread(target=work, args=(k,)) for k in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for k in range(4):
        assert got[k] == want[k::4]


def test_limits(lines):
    low = credo.Policy(POLICY, as_of=AS_OF, limits={"max_instructions": 10})
    d = low.decide(json.loads(lines[0]))
    assert d["decision"] == "ERROR" and "instruction budget of 10 exceeded" in d["error"]
    with pytest.raises(ValueError, match="instruction budget 2000000000 is more than the maximum, 1000000000"):
        credo.Policy(POLICY, limits={"max_instructions": 2000000000})
    with pytest.raises(ValueError, match="JSON depth limit 5000000000 is more than the maximum, 1000"):
        credo.Policy(POLICY, limits={"json_max_depth": 5000000000})
    with pytest.raises(ValueError, match="unknown limit 'budget'"):
        credo.Policy(POLICY, limits={"budget": 5})
    with pytest.raises(ValueError, match="not a date"):
        credo.Policy(POLICY, as_of="2026-13-01")


def test_bad_policy(tmp_path):
    bad = tmp_path / "bad.credo"
    bad.write_text("policy p\ninput a { x: int }\ny = x +\n")
    with pytest.raises(credo.CredoError) as e:
        credo.Policy(bad)
    assert e.value.kind == "compile" and e.value.file == str(bad) and (e.value.line, e.value.column) == (3, 8)
    with pytest.raises(credo.CredoError) as e:
        credo.Policy(tmp_path / "missing.credo")
    assert e.value.kind == "io"


def test_credoc(tmp_path, policy, lines, expected):
    out = tmp_path / "sme.credoc"
    subprocess.run([CREDO, "compile", POLICY, "-o", str(out)], check=True, capture_output=True)
    compiled = credo.Policy(out, as_of=AS_OF)
    assert compiled.program_sha256 == policy.program_sha256
    assert [canonical(policy, d) for d in compiled.decide_many(lines)] == [canonical(policy, d) for d in expected]
