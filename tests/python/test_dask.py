"""credo.dask.decide on a distributed.LocalCluster of two worker
processes: generated applications (CREDO_DASK_ROWS, default 100,000)
decide exactly as credo run decides their JSON lines, and each worker
process loaded the policy once."""
import decimal
import json
import os

import pytest

from conftest import POLICY, AS_OF, credo_run
from generate import applications, jsonl
from test_frame import comparable, frame_decisions

ROWS = int(os.environ.get("CREDO_DASK_ROWS", "100000"))


@pytest.fixture(scope="module")
def client():
    distributed = pytest.importorskip("distributed")
    cluster = distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                       host="127.0.0.1", dashboard_address=None)
    c = distributed.Client(cluster)
    yield c
    c.close()
    cluster.close()


def test_dask_decides_as_credo_run(client, policy):
    import dask.dataframe as dd
    import credo.dask

    df = applications(ROWS)
    ddf = dd.from_pandas(df, npartitions=8)
    out = credo.dask.decide(ddf, POLICY, as_of=AS_OF).compute()
    assert list(out.index) == list(df.index)
    want = [comparable(policy, json.loads(l, parse_float=decimal.Decimal)) for l in credo_run(POLICY, jsonl(df))]
    got = [comparable(policy, d) for d in frame_decisions(policy, out)]
    assert len(got) == ROWS
    assert got == want
    assert len(set(out["decision"])) >= 3     # the generated rows reach every outcome

    def loaded():
        from credo import dask as cd
        return len(cd._loaded)
    counts = list(client.run(loaded).values())   # a Policy per worker process, loaded once
    assert len(counts) == 2 and max(counts) == 1
