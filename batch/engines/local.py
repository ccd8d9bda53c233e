"""`garant run --engine local` into a dataset: the embedded path
(`batch/run.py`, `--jobs N` processes) writing one part of each kind into
the dataset's temporary folder, committed like the other engines' (same
manifest, same exactly-once check).

A run whose output is a file (`out.csv`, `out.parquet`) keeps writing the
two files of `batch/run.py`: a file name asks for a file, and the tools
that read one keep working; a dataset is asked for by a name without a
suffix or an existing folder.
"""

from __future__ import annotations

import time
from pathlib import Path

import pyarrow.parquet as pq

from garant import __version__
from garant.batch.dataset import DatasetWriter, Part
from garant.batch.engines.job import EngineReport
from garant.batch.io import ROW, ClaimsFile
from garant.batch.output import decompte_schema, rejection_schema
from garant.batch.run import run
from garant.batch.shipping import ship


def run_local_dataset(product_ref, claims: str | Path, out: str | Path, *, in_format: str | None = None, trace: bool = False,
                      progress=None, **run_options) -> EngineReport:
    started = time.perf_counter()
    shipped = ship(product_ref)
    with DatasetWriter(out) as dataset:
        decomptes = dataset.folder("decomptes") / "part-local.parquet"
        rejections = dataset.folder("rejections") / "part-local.parquet"
        report = run(product_ref, claims, decomptes, out_format="parquet", in_format=in_format, rejections=rejections,
                     trace=trace, progress=progress, **run_options)
        rows = [r for p in (decomptes, rejections) for r in pq.read_table(p, columns=["row"]).column("row").to_pylist() if r is not None]
        part = Part("local", report.input, report.evaluated, report.rejected, sum(rows), sum(r * r for r in rows))
        product = shipped.load()
        columns = ClaimsFile(claims, in_format).columns
        manifest = dataset.commit(
            [part], report.input, len(rows),
            {"garant": __version__, "product": shipped.describe(), "input": str(Path(claims).absolute()),
             "engine": {"name": "local", "jobs": run_options.get("jobs", 1)}, "buckets": report.partitions, "trace": trace,
             "evaluator": run_options.get("evaluator", "vector")},
            {"decomptes": decompte_schema(product, trace), "rejections": rejection_schema(columns + [ROW])},
        )
    return EngineReport(report.input, report.evaluated, report.rejected, report.partitions, time.perf_counter() - started,
                        Path(out), "local", manifest)
