"""`garant run --engine dask`: the batch unit on a Dask cluster.

    chunks ──dd.from_map(read_chunk)──▶ claims, each with its bucket
           ──shuffle(on=bucket)──────▶ partitions holding whole buckets
           ──map_partitions(evaluate_group)──▶ part files + one row of counts

The shuffle is Dask's own, task-based for a run of few buckets and
peer-to-peer beyond (`SHUFFLE`: why):
every claim of a beneficiary (a family, for plans) lands in the same
output partition, which `unit.evaluate_partition` then takes in date
order. Columns travel as Arrow-backed pandas columns (`pd.ArrowDtype`),
so a claim's fields reach the unit with the types they were read with.

`--scheduler ADDRESS` joins a running cluster (`dask scheduler` and
`dask worker ADDRESS` on the machines); without it a `LocalCluster` of
`--workers` processes (one thread each: the unit is pure Python, so
processes, not threads, use the cores) lives for the run.
"""

from __future__ import annotations

import logging
import os

import pyarrow as pa

from garant.batch.dataset import Part
from garant.batch.engines import EngineUnavailable
from garant.batch.engines.job import BUCKET, Chunk, Job, evaluate_group, read_chunk

CONNECT_TIMEOUT = "10s"  # to reach a scheduler given with --scheduler
# The shuffle method, explicit rather than whatever Dask's default becomes:
# "auto" takes the task-based shuffle for a run of at most `TASKS_UP_TO`
# buckets and the peer-to-peer one beyond (`shuffle_method`).
# Measured with bench/bench_engines.py --shuffle tasks --shuffle p2p
# [--shuffle-only K] (docs/distributed.md#speed): on small inputs the
# task-based shuffle wins, P2P's fixed set-up dominating (300,000 claims,
# read + shuffle alone: 1.1 s vs 3.1 s, 2026-11-24; whole runs on 200,000
# claims, 10 buckets, 2 workers: 42.0 s vs 61.9 s on a loaded machine,
# 2026-12-07); on 1M claims (50 buckets of 20,000) with 2 workers
# peer-to-peer was as fast or faster (read + shuffle alone, best of 4:
# 5.1 s vs 5.2 s, best of 3 in another run 6.6 s vs 8.5 s; whole runs
# 17.1 s vs 21.0 s and 46.8 s vs 58.4 s, one run the other way, 22.1 s vs
# 19.6 s). P2P's cost grows linearly with the claims and it spills to disk,
# where the task-based graph grows as n·log n tasks held in memory: P2P is
# the one for a year of claims on a cluster. Both recover a worker killed
# mid-run (tests/test_engines.py `test_a_worker_killed_mid_run` completes
# with either). "tasks" and "p2p" stay selectable (`shuffle=`).
SHUFFLE = "auto"
SHUFFLES = ("auto", "tasks", "p2p")
TASKS_UP_TO = 25  # buckets: 500,000 claims at the default 20,000 per partition


def shuffle_method(shuffle: str, buckets: int) -> str:
    """The Dask shuffle a run of `buckets` buckets uses (see `SHUFFLE`)."""
    if shuffle != "auto":
        return shuffle
    return "tasks" if buckets <= TASKS_UP_TO else "p2p"


COUNTS = ("part", "records", "evaluated", "rejected", "row_sum", "row_sq")


def _imports():
    try:
        import dask.dataframe as dd
        import distributed
        import pandas as pd
    except ImportError as err:
        raise EngineUnavailable(f"--engine dask needs Dask ({err.name} is not installed): pip install 'garant[distributed]'") from None
    return dd, distributed, pd


def check_available(shuffle: str = SHUFFLE, **_) -> None:
    _imports()
    if shuffle not in SHUFFLES:
        raise EngineUnavailable(f"the Dask shuffle must be one of {', '.join(SHUFFLES)}, not `{shuffle}`")


def describe(scheduler: str | None = None, workers: int | None = None, client=None, shuffle: str = SHUFFLE, buckets: int | None = None,
             **_) -> dict:
    """What the manifest records of the engine: the shuffle is the one the
    run used (`shuffle_method`, given its `buckets`)."""
    used = shuffle_method(shuffle, buckets) if buckets is not None else shuffle
    if client is not None:
        return {"scheduler": client.scheduler.address, "workers": len(client.scheduler_info().get("workers", {})), "shuffle": used}
    return {"scheduler": scheduler or "local cluster", "workers": len(_workers_of(scheduler)) if scheduler else workers or os.cpu_count(),
            "shuffle": used}


def _workers_of(address: str) -> dict:
    _, distributed, _ = _imports()
    with distributed.Client(address, timeout=CONNECT_TIMEOUT) as client:
        return client.scheduler_info().get("workers", {})


def connect(scheduler: str | None = None, workers: int | None = None):
    """(client, cluster or None): a running scheduler's, or a local cluster's."""
    _, distributed, _ = _imports()
    if scheduler:
        try:
            return distributed.Client(scheduler, timeout=CONNECT_TIMEOUT), None
        except (OSError, TimeoutError) as err:
            raise EngineUnavailable(f"cannot reach the Dask scheduler at {scheduler} ({err}); start one with `dask scheduler`, "
                                    f"or leave out --scheduler for a local cluster") from None
    cluster = distributed.LocalCluster(n_workers=workers or os.cpu_count() or 1, threads_per_worker=1, processes=True,
                                       dashboard_address=":0", silence_logs=logging.ERROR)
    return distributed.Client(cluster), cluster


def _read(chunk: Chunk, job: Job):
    import pandas as pd

    return read_chunk(job, chunk).to_pandas(types_mapper=pd.ArrowDtype)


def _evaluate(frame, job: Job, before_task=None, partition_info=None):
    """A shuffled partition (whole buckets) → one row of counts."""
    import pandas as pd

    name = f"{partition_info['number']:05d}" if partition_info else "0"
    if before_task is not None:
        before_task()
    if len(frame):
        table = pa.Table.from_pandas(frame, preserve_index=False)  # the bucket is the index now: left out
        table = table.cast(pa.schema([job.schema.field(n) for n in table.schema.names]))
        part = evaluate_group(job, table, name)
    else:
        part = Part(name, 0, 0, 0)
    return pd.DataFrame([part.as_row()], columns=list(COUNTS))


def evaluate(job: Job, chunks: list[Chunk], *, scheduler: str | None = None, workers: int | None = None, client=None,
             before_task=None, shuffle: str = SHUFFLE) -> list[Part]:
    """Every chunk's claims evaluated on the cluster; the parts written.

    `client`: an open `distributed.Client` to use (else one is made from
    `scheduler` / `workers` and closed after); `before_task()`: called
    first in each evaluating task (the tests slow tasks down with it);
    `shuffle`: Dask's shuffle method, one of `SHUFFLES` ("auto": by the
    number of buckets, `shuffle_method`)."""
    check_available(shuffle)
    dd, _, pd = _imports()
    own = None
    if client is None:
        client, cluster = connect(scheduler, workers)
        own = (client, cluster)
    try:
        meta = job.schema.empty_table().to_pandas(types_mapper=pd.ArrowDtype)
        claims = dd.from_map(_read, chunks, job=job, meta=meta, enforce_metadata=False)
        # A range shuffle on the bucket with one division per bucket: output
        # partition k holds exactly bucket k (a hash shuffle of K small
        # integers into K partitions would leave about a third empty).
        shuffled = claims.set_index(BUCKET, divisions=list(range(job.buckets)) + [job.buckets - 1], shuffle_method=shuffle_method(shuffle, job.buckets)) \
            if job.buckets > 1 else claims.repartition(npartitions=1)
        counts_meta = pd.DataFrame({c: pd.Series(dtype="object" if c in ("part", "row_sum", "row_sq") else "int64") for c in COUNTS})
        counts = shuffled.map_partitions(_evaluate, job=job, before_task=before_task, meta=counts_meta, enforce_metadata=False)
        frame = client.compute(counts).result()
    finally:
        if own is not None:
            own[0].close()
            if own[1] is not None:
                own[1].close()
    return [Part.from_row(r) for r in frame.to_dict("records")]
