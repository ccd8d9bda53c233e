"""One `garant run` on an engine, from claims file to committed dataset.

    report = run_on_engine(("contracts/essentiel_2025.garant", ()), "claims.parquet", "out", "dask")

1. ship the product (compiled once here: a bad source or level fails
   before any worker starts);
2. cut the input into chunks: a Parquet input (a file, or a folder of
   files read in name order) is read where it is, one row group per
   chunk, rows numbered from the files' metadata; a CSV input is read
   once here, by the same reader as the local path (malformed lines and
   non-UTF-8 fields become rejections exactly as there), and staged as
   Parquet in the dataset's temporary folder;
3. the engine shuffles the chunks' records by bucket and evaluates whole
   buckets (`job.py`);
4. the dataset is committed only if every row came out exactly once
   (`dataset.DatasetWriter.commit`).
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from garant import __version__
from garant.batch.dataset import DatasetWriter, Part, write_part
from garant.batch.engines import EngineUnavailable
from garant.batch.engines.job import BUCKET, Chunk, EngineReport, Job
from garant.batch.io import INTERNAL, ROW, ClaimsFile, ClaimsFileError, format_of
from garant.batch.output import decompte_schema, rejection_schema
from garant.batch.partition import ROWS_PER_PARTITION
from garant.batch.run import malformed_rejections
from garant.batch.shipping import ship
from garant.batch.unit import partition_key

STAGED_ROW_GROUP = 65_536


@dataclass
class Input:
    chunks: list[Chunk]
    records: int  # rows numbered 1..records
    schema: pa.Schema  # as read, `_garant_row` included
    columns: list[str]  # the input's own columns (for the rejections' schema)
    malformed: pa.Table | None = None  # CSV lines that did not parse, as rejections


def parquet_input(path: Path) -> Input:
    files = sorted(p for p in path.iterdir() if p.suffix in (".parquet", ".pq") and not p.name.startswith((".", "_"))) if path.is_dir() else [path]
    if not files:
        raise ClaimsFileError(f"{path}: no .parquet file in this folder")
    chunks, row, schema = [], 1, None
    for f in files:
        try:
            meta = pq.ParquetFile(f)
        except (pa.ArrowInvalid, OSError) as err:
            raise ClaimsFileError(f"{f}: not a Parquet file ({err})") from None
        file_schema = meta.schema_arrow
        if schema is None:
            schema = file_schema
            for name in INTERNAL:
                if name in schema.names:
                    raise ClaimsFileError(f"{f}: the column name `{name}` is reserved")
        elif file_schema.names != schema.names:
            raise ClaimsFileError(f"{f}: columns {file_schema.names} differ from {files[0].name}'s {schema.names}")
        for rg in range(meta.metadata.num_row_groups):
            n = meta.metadata.row_group(rg).num_rows
            if n:
                chunks.append(Chunk(str(f.absolute()), rg, row))
                row += n
    return Input(chunks, row - 1, schema.append(pa.field(ROW, pa.int64())), list(schema.names))


def staged_csv(path: Path, scratch: Path) -> Input:
    """Read a CSV once (the local path's reader) into a Parquet file of
    row groups, each record with its row and UTF-8 mark."""
    source = ClaimsFile(path, "csv")
    staged = scratch / "claims.parquet"
    writer = None
    try:
        for batch in source.batches():
            if writer is None:
                writer = pq.ParquetWriter(staged, batch.schema, compression="zstd")
            writer.write_batch(batch, row_group_size=STAGED_ROW_GROUP)
    finally:
        if writer is not None:
            writer.close()
    malformed = malformed_rejections(source) if source.malformed else None
    if writer is None:  # a header and no record
        schema = pa.schema([pa.field(c, pa.string()) for c in source.columns] + [pa.field(ROW, pa.int64())])
        return Input([], 0, schema, list(source.columns), malformed)
    meta = pq.ParquetFile(staged)
    chunks = [Chunk(str(staged), rg, None) for rg in range(meta.metadata.num_row_groups)]
    return Input(chunks, meta.metadata.num_rows, meta.schema_arrow, list(source.columns), malformed)


def read_input(claims: str | Path, in_format: str | None, scratch: Path) -> Input:
    claims = Path(claims)
    if not claims.exists():
        raise ClaimsFileError(f"{claims}: no such file")
    if claims.is_dir() or format_of(claims, in_format) == "parquet":
        return parquet_input(claims)
    return staged_csv(claims, scratch)


def engine_module(engine: str):
    if engine == "dask":
        from garant.batch.engines import dask_engine

        return dask_engine
    if engine == "spark":
        from garant.batch.engines import spark_engine

        return spark_engine
    raise EngineUnavailable(f"--engine must be local, dask or spark, not `{engine}`")


def run_on_engine(product_ref, claims: str | Path, out: str | Path, engine: str, *, in_format: str | None = None,
                  trace: bool = False, rows_per_partition: int = ROWS_PER_PARTITION, evaluator: str = "vector",
                  **options) -> EngineReport:
    """Evaluate a claims file on `engine` ("dask", "spark") into the
    dataset `out`. `options` go to the engine (`scheduler`, `workers`,
    `client` for Dask; `master`, `spark` for Spark)."""
    started = time.perf_counter()
    module = engine_module(engine)
    module.check_available(**options)
    shipped = ship(product_ref)
    product = shipped.load()
    with DatasetWriter(out) as dataset:
        source = read_input(claims, in_format, dataset.scratch)
        parts: list[Part] = []
        if source.malformed is not None:
            write_part(dataset.folder("rejections") / "part-malformed.parquet", source.malformed)
            n = source.malformed.num_rows
            parts.append(Part("malformed", n, 0, n))
        buckets = max(1, math.ceil(source.records / rows_per_partition))
        job = Job(shipped, partition_key(product), buckets, str(dataset.temp), source.schema.append(pa.field(BUCKET, pa.int32())), trace,
                  evaluator)
        if source.chunks:
            parts += module.evaluate(job, source.chunks, **options)
        expected_in = source.records + (source.malformed.num_rows if source.malformed is not None else 0)
        manifest = dataset.commit(
            parts, expected_in, source.records,
            {"garant": __version__, "product": shipped.describe(), "input": str(Path(claims).absolute()),
             "engine": {"name": engine, **module.describe(**options, buckets=buckets)}, "buckets": buckets, "trace": trace, "evaluator": evaluator},
            {"decomptes": decompte_schema(product, trace), "rejections": rejection_schema(source.columns + [ROW])},
        )
    counts = manifest["counts"]
    return EngineReport(counts["in"], counts["evaluated"], counts["rejected"], buckets, time.perf_counter() - started,
                        Path(out), engine, manifest)


def run_dataset(engine: str, product_ref, claims, out, *, in_format=None, trace=False, rows_per_partition=ROWS_PER_PARTITION,
                workdir=None, jobs=1, progress=None, scheduler=None, workers=None, master=None, evaluator="vector") -> EngineReport:
    """`garant run … -o OUT` when OUT is a dataset: the engine named,
    each given only the options that are its own."""
    if engine == "local":
        from garant.batch.engines.local import run_local_dataset

        return run_local_dataset(product_ref, claims, out, in_format=in_format, trace=trace, progress=progress,
                                 rows_per_partition=rows_per_partition, workdir=workdir, jobs=jobs, evaluator=evaluator)
    options = {"scheduler": scheduler, "workers": workers} if engine == "dask" else {"master": master} if engine == "spark" else {}
    return run_on_engine(product_ref, claims, out, engine, in_format=in_format, trace=trace, rows_per_partition=rows_per_partition,
                         evaluator=evaluator, **options)
