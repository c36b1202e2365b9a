#!/bin/sh
# credo test --format json|junit: the document alone on stdout, read back
# with python3's json and xml.etree: every test with its file, line, name
# and status, a failing test's expected and actual values, the exit status
# still 1, each policy's coverage and the parts never exercised.
# Runs from the project root with the credo binary in $CREDO; exit 0 = pass.
set -u
credo=${CREDO:-build/credo}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "test_reports.sh: $*"; exit 1; }
d=tests/golden/doc_tests

# the example's tests and one that fails
cp "$d/loan.credo" "$d/loan.test.credo" "$d/no_otherwise.credo" "$tmp/"
printf 'test "a wrong limit" {\n  given adult\n  expect limit == 12001\n}\n' >>"$tmp/loan.test.credo"

"$credo" test --format json "$tmp/loan.test.credo" >"$tmp/out.json" 2>"$tmp/err"; rc=$?
[ $rc -eq 1 ] || fail "json: a failing test must exit 1, got $rc"
python3 - "$tmp/out.json" <<'PY' || fail "json structure"
import json, sys
d = json.load(open(sys.argv[1]))
assert d["passed"] == 9 and d["failed"] == 1, (d["passed"], d["failed"])
assert len(d["tests"]) == 10
bad = [t for t in d["tests"] if t["status"] == "failed"]
assert len(bad) == 1 and bad[0]["name"] == "a wrong limit", bad
assert bad[0]["file"].endswith("loan.test.credo") and bad[0]["line"] == 56, bad[0]
assert "expected limit == 12001" in bad[0]["failure"] and "actual:   12000" in bad[0]["failure"], bad[0]["failure"]
ok = [t for t in d["tests"] if t["name"] == "a typical adult is approved"][0]
assert ok["status"] == "passed" and ok["line"] == 9 and "failure" not in ok, ok
[c] = d["coverage"]
assert c["policy"].endswith("loan.credo") and c["parts"] == 7 and c["covered"] == 7 and c["percent"] == 100.0, c
PY

"$credo" test --format junit "$d/loan.credo" --cases "$d/loan.cases.jsonl" >"$tmp/cases.xml" 2>"$tmp/err"; rc=$?
[ $rc -eq 0 ] || fail "junit: the case file must pass, got $rc: $(cat "$tmp/err")"
"$credo" test --format junit "$tmp/loan.test.credo" >"$tmp/out.xml" 2>"$tmp/err"; rc=$?
[ $rc -eq 1 ] || fail "junit: a failing test must exit 1, got $rc"
python3 - "$tmp/out.xml" "$tmp/cases.xml" <<'PY' || fail "junit structure"
import sys, xml.etree.ElementTree as ET
root = ET.parse(sys.argv[1]).getroot()
assert root.tag == "testsuites" and root.get("tests") == "10" and root.get("failures") == "1", root.attrib
suites = root.findall("testsuite")
suite = [s for s in suites if s.get("name").endswith("loan.test.credo")][0]
cases = suite.findall("testcase")
assert len(cases) == 10 and suite.get("failures") == "1"
failed = [c for c in cases if c.find("failure") is not None]
assert len(failed) == 1 and failed[0].get("name") == "a wrong limit"
f = failed[0].find("failure")
assert "expect limit == 12001" in f.get("message") or "a wrong limit" in f.get("message"), f.get("message")
assert "actual:   12000" in f.text, f.text
props = {p.get("name"): p.get("value") for s in suites for p in s.iter("property")}
cov = [v for k, v in props.items() if k.startswith("coverage ") and k.endswith("loan.credo")]
assert cov == ["100.0% (7 of 7)"], props
cases = ET.parse(sys.argv[2]).getroot()
names = [c.get("name") for c in cases.iter("testcase")]
assert names == ["an adult", "a minor", "no income"], names
assert all(c.find("failure") is None for c in cases.iter("testcase"))
uncovered = [p for p in cases.iter("property") if p.get("name").startswith("uncovered ")]
assert any("reject rule DTI never fired" == p.get("value") for p in uncovered), [p.attrib for p in uncovered]
PY
echo "test_reports.sh: --format json and junit hold every test, the failure's expected and actual values, coverage and the uncovered parts"
