"""make bench's Python rows (runtime/bindings/python): Policy.decide_frame
over BENCH_PY_N (100,000) generated applications against credo run on
the same rows, and credo.dask.decide on a LocalCluster of one and of two
worker processes over BENCH_DASK_N (1,000,000).  Reports times, never
fails on one.  Run by tests/bench/python_bench.sh; --no-frame or
--no-dask leave out a part."""
import os
import resource
import subprocess
import sys
import tempfile
import time

import credo
from conftest import AS_OF, CREDO, POLICY
from generate import applications, jsonl

N = int(os.environ.get("BENCH_PY_N", "100000"))
DASK_N = int(os.environ.get("BENCH_DASK_N", "1000000"))
REPS = int(os.environ.get("BENCH_REPS", "3"))


def best(f, reps=REPS):
    """The fastest of reps runs of f: (wall s, cpu s of this process and its children)."""
    runs = []
    for _ in range(reps):
        r0 = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
        t = time.perf_counter()
        f()
        wall = time.perf_counter() - t
        r1 = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
        cpu = sum(b.ru_utime + b.ru_stime - a.ru_utime - a.ru_stime for a, b in zip(r0, r1))
        runs.append((wall, cpu))
    return min(runs)


def frame_rows():
    df = applications(N)
    policy = credo.Policy(POLICY, as_of=AS_OF)
    with tempfile.NamedTemporaryFile("w", suffix=".jsonl") as f:
        f.write("\n".join(jsonl(df)) + "\n")
        f.flush()
        run = best(lambda: subprocess.run([CREDO, "run", "--as-of", AS_OF, POLICY, f.name],
                                          stdout=subprocess.DEVNULL, check=False))
    print("%d generated applications (each row the fastest of %d runs):" % (N, REPS))
    print("  %-36s %8s %12s %8s %17s" % ("", "wall s", "decisions/s", "cpu s", "its speed / run's"))
    print("  %-36s %8.2f %12.0f %8.2f %8s %8s" % ("credo run (one thread)", run[0], N / run[0], run[1], "wall", "cpu"))
    for threads in (1, 2):
        t = best(lambda: policy.decide_frame(df, threads=threads))
        print("  %-36s %8.2f %12.0f %8.2f %8.2f %8.2f" % (
            "decide_frame, %d deciding thread%s" % (threads, "s"[:threads > 1]),
            t[0], N / t[0], t[1], run[0] / t[0], run[1] / t[1]))
    print("  (target: decide_frame at least 0.25 of credo run's speed; on a loaded machine the CPU column says more)")


def make_part(k, rows):
    from generate import applications as gen
    df = gen(rows)
    df["app_id"] = ["P%03d-%s" % (k, a) for a in df["app_id"]]
    return df


def dask_rows():
    import dask.dataframe as dd
    import distributed
    import credo.dask
    parts = 16
    times = {}
    for workers in (1, 2):
        cluster = distributed.LocalCluster(n_workers=workers, threads_per_worker=1, processes=True,
                                           host="127.0.0.1", dashboard_address=None)
        client = distributed.Client(cluster)
        try:
            ddf = dd.from_map(make_part, range(parts), rows=DASK_N // parts)
            ddf = client.persist(ddf)   # generated on the workers before the clock starts
            distributed.wait(ddf)
            decided = credo.dask.decide(ddf, POLICY, as_of=AS_OF)
            t = time.perf_counter()
            counts = decided["decision"].value_counts().compute()
            times[workers] = time.perf_counter() - t
            print("  %d worker process%s: %.2f s, %.0f decisions/s (%s)" % (
                workers, "es"[:2 * (workers > 1)], times[workers], DASK_N / times[workers],
                ", ".join("%s %d" % kv for kv in sorted(counts.items()))))
        finally:
            client.close()
            cluster.close()
    print("  two workers / one: %.2fx (target at least 1.6x; this machine has %d cores, shared)" % (
        times[1] / times[2], os.cpu_count()))


if __name__ == "__main__":
    if "--no-frame" not in sys.argv:
        frame_rows()
    if "--no-dask" not in sys.argv:
        print("credo.dask.decide over %d generated applications, %d partitions persisted on the workers:" % (DASK_N, 16))
        dask_rows()
