"""The work of a distributed run, engine-neutral and picklable.

A run's input is cut into chunks (a Parquet row group each); a task of the
engine reads chunks with `read_chunk`, which numbers the records (their row
in the input, as on the local path) and gives each its bucket
(`partition.key_buckets`: CRC-32 of the partition key — the beneficiary,
or the family for plans — modulo the number of buckets). The engine then
brings all records of a bucket together with its own shuffle, and calls
`evaluate_group` on one or more whole buckets: the same
`unit.evaluate_partition` as the local path (which takes the claims in
date order of care, file order breaking ties), its two tables written as
part files named by the group, so a task run twice writes the same file.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from garant.batch.dataset import Part, write_part
from garant.batch.io import ROW
from garant.batch.partition import key_buckets
from garant.batch.shipping import ShippedProduct
from garant.batch.unit import evaluate_partition

BUCKET = "_garant_bucket"


@dataclass(frozen=True)
class Chunk:
    path: str
    row_group: int
    first_row: int | None  # 1-based row of its first record; None: the file carries `_garant_row` (a staged CSV)


@dataclass(frozen=True)
class Job:
    product: ShippedProduct
    key: tuple[str, ...]  # unit.partition_key
    buckets: int
    folder: str  # the dataset's temporary folder (on storage every worker sees)
    schema: pa.Schema  # of the claims as read_chunk gives them, bucket included
    trace: bool = False
    evaluator: str = "vector"  # unit.EVALUATORS


def read_chunk(job: Job, chunk: Chunk) -> pa.Table:
    """One chunk's records, with their row numbers and buckets."""
    table = pq.ParquetFile(chunk.path).read_row_group(chunk.row_group)
    if chunk.first_row is not None:
        table = table.append_column(ROW, pa.array(range(chunk.first_row, chunk.first_row + table.num_rows), pa.int64()))
    table = table.append_column(BUCKET, key_buckets(table, job.key, job.buckets))
    return table.select(job.schema.names).cast(job.schema)


def plain(table: pa.Table) -> pa.Table:
    """Large Arrow types (what Spark may hand over) as the usual ones."""
    fields = []
    for f in table.schema:
        if pa.types.is_large_string(f.type):
            f = f.with_type(pa.string())
        elif pa.types.is_large_binary(f.type):
            f = f.with_type(pa.binary())
        fields.append(f)
    schema = pa.schema(fields)
    return table if schema == table.schema else table.cast(schema)


def evaluate_group(job: Job, claims: pa.Table, name: str) -> Part:
    """Whole buckets of claims → décomptes and rejections part files
    `part-NAME.parquet` → what was written (counts and row sums)."""
    if BUCKET in claims.schema.names:
        claims = claims.drop_columns([BUCKET])
    claims = plain(claims)
    decomptes, rejections = evaluate_partition(job.product.load(), claims, trace=job.trace, evaluator=job.evaluator)
    folder = Path(job.folder)
    for kind, table in (("decomptes", decomptes), ("rejections", rejections)):
        if table.num_rows:
            write_part(folder / kind / f"part-{name}.parquet", table)
    return Part.of(name, claims.num_rows, decomptes, rejections)


@dataclass
class EngineReport:
    input: int
    evaluated: int
    rejected: int
    partitions: int  # buckets: the unit of work's count
    seconds: float
    out: Path
    engine: str
    manifest: dict

    @property
    def claims_per_second(self) -> float:
        return self.input / self.seconds if self.seconds else 0.0
