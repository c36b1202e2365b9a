"""Deciding a Dask DataFrame: credo.dask.decide(ddf, policy_path).

Every worker process loads the policy once (the first partition it
decides loads it; later ones, of this call or the next, reuse it) and
decides its partitions with Policy.decide_frame; the result is a Dask
DataFrame with decide_frame's columns, partition for partition.

On a cluster of several machines the same code runs unchanged: give
distributed.Client the scheduler's address, and make the policy file
readable at the same path on every worker (a shared file system, or the
file copied to each; a relative path that exists here is made absolute), with the credo package and libcredo.so installed
there (CREDO_LIBRARY set in the workers' environment if it is not where
the loader looks)."""
import os
import threading

from . import frame
from .policy import Policy

_loaded = {}
_lock = threading.Lock()


def _policy(path, as_of, limits):
    """This process's Policy for (path, as_of, limits), loaded once."""
    key = (path, as_of, tuple(sorted((limits or {}).items())))
    with _lock:
        p = _loaded.get(key)
        if p is None:
            p = _loaded[key] = Policy(path, as_of=as_of, limits=limits)
        return p


def _decide_partition(df, path, as_of, limits):
    # one thread: Dask runs a partition on each of the worker's threads
    return _policy(path, as_of, limits).decide_frame(df, threads=1)


def decide(ddf, policy_path, as_of=None, limits=None):
    """ddf (a dask.dataframe.DataFrame of applications) decided against
    the policy at policy_path: a Dask DataFrame of decisions, lazily (call
    .compute() or write it out).  The policy is loaded here once as well,
    to check it and to know the result's columns before any worker runs."""
    from .policy import _as_of_text
    as_of = _as_of_text(as_of)
    if os.path.exists(policy_path):   # the workers' current folder may not be ours
        policy_path = os.path.abspath(policy_path)
    meta = frame.empty(_policy(policy_path, as_of, limits))
    return ddf.map_partitions(_decide_partition, policy_path, as_of, limits, meta=meta)
