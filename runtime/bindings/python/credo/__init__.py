"""credo from Python: decide loan applications against a credit policy
with the credo C library (libcredo.so), exactly as `credo run` does.

    import credo
    policy = credo.Policy("policies/sme_tax_loan.credo", as_of="2026-12-01")
    policy.decide({"app_id": "A1", "age": 47, ...})   # {"decision": "APPROVE", ...}
    policy.decide_frame(df)                            # a DataFrame of decisions

credo.dask.decide(ddf, path) decides a Dask DataFrame on a cluster."""
from ._lib import PATH as _PATH, lib as _lib, text as _text
from .policy import CredoError, Policy

__all__ = ["Policy", "CredoError", "library_version", "library_path"]


def library_version():
    """The C library's release (credo_version())."""
    return _text(_lib.credo_version())


def library_path():
    """The libcredo this package loaded: CREDO_LIBRARY's path, the one
    `make install` put beside the package, or "libcredo.so.0" as the
    dynamic loader finds it."""
    return _PATH
