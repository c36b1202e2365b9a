"""What the Python tests share: the reference policy, its 5,000
applicants, the credo command they are compared with, and a helper that
makes a decision comparable byte for byte (decimals with their scale).

Run by tests/golden/python.sh from the project root, with CREDO (the
command), CREDO_LIBRARY (the library) and PYTHONPATH (the package) set."""
import decimal
import json
import os
import subprocess

import pytest

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
POLICY = os.path.join(ROOT, "policies", "sme_tax_loan.credo")
APPLICANTS = os.path.join(ROOT, "tests", "reference", "applicants.jsonl")
AS_OF = "2026-12-01"
CREDO = os.path.abspath(os.environ.get("CREDO", os.path.join(ROOT, "build", "credo")))


def credo_run(policy, lines, *args):
    """credo run over JSON lines (a list of str): its decision lines."""
    p = subprocess.run([CREDO, "run", "--as-of", AS_OF, *args, policy], input="".join(l + "\n" for l in lines),
                       capture_output=True, text=True)
    assert p.returncode in (0, 3), p.stderr
    return p.stdout.splitlines()


def canonical(policy, d):
    """A decision dict as text: key order, decimals' scale and types all count."""
    return json.dumps(policy._typed(dict(d)), default=str)


@pytest.fixture(scope="session")
def lines():
    """The reference applicants' lines: all 5,000, or the first
    CREDO_TEST_APPLICANTS (the sanitizer pass of make test)."""
    with open(APPLICANTS) as f:
        return f.read().splitlines()[:int(os.environ.get("CREDO_TEST_APPLICANTS", "5000"))]


@pytest.fixture(scope="session")
def expected(lines):
    """credo run's decisions of the 5,000 applicants, as dicts."""
    return [json.loads(l, parse_float=decimal.Decimal) for l in credo_run(POLICY, lines)]


@pytest.fixture(scope="session")
def policy():
    import credo
    return credo.Policy(POLICY, as_of=AS_OF)
