"""`garant run --engine spark`: the batch unit on Spark.

    chunk numbers ──mapInArrow(read_chunk)──▶ claims, each with its bucket
                  ──groupBy(bucket).applyInArrow(evaluate_group)──▶ part files + counts

Spark's own shuffle (`groupBy`) brings every claim of a bucket — so of a
beneficiary, or a family for plans — into one call of `evaluate_group`,
which hands them to `unit.evaluate_partition` (date order of care). Reading
is done by `job.read_chunk` in the Python workers, the same reader as the
Dask engine, so rows are numbered as on the local path.

`--master` is the usual master URL (`local[2]`, `spark://host:7077`,
`yarn`…); without it, the session's (under `spark-submit`, the one it was
given; else `local[*]`). Needs a Java runtime (17 or later for Spark 4).
"""

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path

import pyarrow as pa

from garant.batch.dataset import Part
from garant.batch.engines import EngineUnavailable
from garant.batch.engines.job import BUCKET, Chunk, Job, evaluate_group, read_chunk

RESULT = pa.schema([("part", pa.string()), ("records", pa.int64()), ("evaluated", pa.int64()), ("rejected", pa.int64()),
                    ("row_sum", pa.string()), ("row_sq", pa.string())])
RESULT_DDL = "part string, records long, evaluated long, rejected long, row_sum string, row_sq string"


def _java() -> str | None:
    home = os.environ.get("JAVA_HOME")
    if home and (Path(home) / "bin" / "java").exists():
        return str(Path(home) / "bin" / "java")
    return shutil.which("java")


def check_available(spark=None, **_) -> None:
    if spark is not None:
        return
    try:
        import pyspark  # noqa: F401
    except ImportError:
        raise EngineUnavailable("--engine spark needs PySpark: pip install 'garant[distributed]'") from None
    if _java() is None:
        raise EngineUnavailable("--engine spark needs a Java runtime (17 or later): install one "
                                "(e.g. apt-get install openjdk-17-jre-headless) or set JAVA_HOME")


def describe(master: str | None = None, spark=None, **_) -> dict:
    if spark is None:
        from pyspark.sql import SparkSession

        spark = SparkSession.getActiveSession()  # the run's (described after it)
    return {"master": spark.sparkContext.master if spark is not None else master or "(the session's)"}


def session(master: str | None = None, app_name: str = "garant run"):
    """The active Spark session, or a new one (`master` if given). Started
    here (not by spark-submit), Python workers run this interpreter unless
    PYSPARK_PYTHON says otherwise (a venv that is not activated would
    otherwise give workers without Garant); under spark-submit, what it
    was told (PYSPARK_PYTHON, spark.pyspark.python)."""
    check_available()
    from pyspark.sql import SparkSession

    if "PYSPARK_GATEWAY_PORT" not in os.environ:  # not under spark-submit: this process starts the JVM
        os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    builder = SparkSession.builder.appName(app_name).config("spark.ui.enabled", "false").config("spark.ui.showConsoleProgress", "false")
    if master:
        builder = builder.master(master)
    try:
        spark = builder.getOrCreate()
    except Exception as err:  # the JVM did not start (wrong Java, no memory…): one line, not Py4J's trace
        raise EngineUnavailable(f"Spark did not start ({str(err).splitlines()[0] if str(err) else type(err).__name__}); "
                                f"check the Java runtime (17 or later) and the master URL") from None
    spark.sparkContext.setLogLevel("ERROR")
    return spark


class _Reader:
    """mapInArrow: chunk numbers → their claims (Arrow batches)."""

    def __init__(self, job: Job, chunks: list[Chunk]):
        self.job, self.chunks = job, chunks

    def __call__(self, batches):
        for batch in batches:
            for i in batch.column(0).to_pylist():
                yield from read_chunk(self.job, self.chunks[i]).to_batches()


def _evaluator(job: Job):
    """applyInArrow: one bucket's claims → its part files → one row of
    counts (a function with type hints: PySpark infers the UDF's kind
    from them)."""

    def evaluate_bucket(claims: pa.Table) -> pa.Table:
        bucket = claims.column(BUCKET)[0].as_py()
        part = evaluate_group(job, claims, f"b{bucket:05d}")
        return pa.Table.from_pylist([part.as_row()], schema=RESULT)

    return evaluate_bucket


def evaluate(job: Job, chunks: list[Chunk], *, master: str | None = None, spark=None) -> list[Part]:
    """Every chunk's claims evaluated on Spark; the parts written.
    `spark`: a session to use (else `session(master)`)."""
    from pyspark.sql.pandas.types import from_arrow_schema

    spark = spark or session(master)
    n = len(chunks)
    parallelism = spark.sparkContext.defaultParallelism
    numbers = spark.range(n, numPartitions=max(1, min(n, 4 * parallelism)))
    claims = numbers.mapInArrow(_Reader(job, chunks), from_arrow_schema(job.schema))
    results = claims.groupBy(BUCKET).applyInArrow(_evaluator(job), RESULT_DDL)
    conf = spark.conf
    before = conf.get("spark.sql.shuffle.partitions")
    conf.set("spark.sql.shuffle.partitions", str(max(1, min(job.buckets, 4 * parallelism))))  # a bucket is already a partition's worth of claims
    try:
        rows = results.collect()
    finally:
        conf.set("spark.sql.shuffle.partitions", before)
    return [Part.from_row(r.asDict()) for r in rows]
