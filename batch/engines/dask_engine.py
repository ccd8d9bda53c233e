"""`garant run --engine dask`: the batch unit on a Dask cluster.

    chunks ──dd.from_map(read_chunk)──▶ claims, each with its bucket
           ──shuffle(on=bucket)──────▶ partitions holding whole buckets
           ──map_partitions(evaluate_group)──▶ part files + one row of counts

The shuffle is Dask's own (peer-to-peer when the cluster supports it):
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
COUNTS = ("part", "records", "evaluated", "rejected", "row_sum", "row_sq")


def _imports():
    try:
        import dask.dataframe as dd
        import distributed
        import pandas as pd
    except ImportError as err:
        raise EngineUnavailable(f"--engine dask needs Dask ({err.name} is not installed): pip install 'garant[distributed]'") from None
    return dd, distributed, pd


def check_available(**options) -> None:
    _imports()


def describe(scheduler: str | None = None, workers: int | None = None, client=None, **_) -> dict:
    if client is not None:
        return {"scheduler": client.scheduler.address, "workers": len(client.scheduler_info().get("workers", {}))}
    return {"scheduler": scheduler or "local cluster", "workers": len(_workers_of(scheduler)) if scheduler else workers or os.cpu_count()}


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
             before_task=None) -> list[Part]:
    """Every chunk's claims evaluated on the cluster; the parts written.

    `client`: an open `distributed.Client` to use (else one is made from
    `scheduler` / `workers` and closed after); `before_task()`: called
    first in each evaluating task (the tests slow tasks down with it)."""
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
        shuffled = claims.set_index(BUCKET, divisions=list(range(job.buckets)) + [job.buckets - 1]) \
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
