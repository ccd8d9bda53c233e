"""`garant run --engine local|dask|spark`: the batch unit on a distributed engine.

    job.py      the work, engine-neutral: input chunks, `read_chunk` (a
                chunk → claims with their row and bucket), `evaluate_group`
                (a group of buckets → `unit.evaluate_partition` → part files)
    driver.py   one run: ship the product, stage the input, call an engine,
                commit the dataset (`batch/dataset.py`) with its manifest
    local.py    the embedded path (`batch/run.py`) writing a dataset
    dask_engine.py   Dask: from_map → shuffle on the bucket → map_partitions
    spark_engine.py  Spark: mapInArrow → groupBy(bucket).applyInArrow

The engines only move claims; every claim is read by `job.read_chunk` and
evaluated by `unit.evaluate_partition`, as on the local path.
"""

ENGINES = ("local", "dask", "spark")


class EngineUnavailable(Exception):
    """The engine cannot run here (not installed, no Java, scheduler
    unreachable): a one-line message naming the fix."""
