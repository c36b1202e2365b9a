"""credo from Python: decide loan applications against a credit policy
with the credo C library (libcredo.so), exactly as `credo run` does.

    import credo
    policy = credo.Policy("policies/sme_tax_loan.credo", as_of="2026-12-01")
    policy.decide({"app_id": "A1", "age": 47, ...})   # {"decision": "APPROVE", ...}
    policy.decide_frame(df)                            # a DataFrame of decisions

credo.dask.decide(ddf, path) decides a Dask DataFrame on a cluster."""
from ._lib import lib as _lib, text as _text
from .policy import CredoError, Policy

__all__ = ["Policy", "CredoError", "library_version"]


def library_version():
    """The C library's release (credo_version())."""
    return _text(_lib.credo_version())
