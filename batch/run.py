"""`garant run`: a claims file through a product, every claim accounted for.

    report = run("contracts/essentiel_2025.garant", "claims.csv", "out.csv")
    report.input == report.evaluated + report.rejected     # always

Two passes, memory bounded by one partition:

1. read the file in record batches and spill each record to the bucket of
   its beneficiary (`partition.py`; a file of one partition's size stays
   in memory; when the vectorised evaluator runs the file in one process,
   a partition is as many claims as fit in a memory budget,
   `partition.vector_rows_per_partition`: about 1.5M claims, so a file of a
   million claims is read once and evaluated in one pass, nothing spilled);
2. evaluate each bucket on its own (`unit.evaluate_partition`, no state
   shared between buckets: `--jobs N` runs them in N processes) and append
   its décomptes and rejections to the two output files.

Output files hold the décomptes in bucket order, each bucket in file
order (a file of one partition: file order); the `row` column gives each record's place in the input. The
counts are checked at the end of every run: a record neither evaluated
nor rejected is a defect and stops the run with an error.
"""

from __future__ import annotations

import os
import time
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import pyarrow as pa
import pyarrow.ipc as ipc

from garant.batch.io import ROW, ClaimsFile, ClaimsFileError, TableWriter, exclusive, format_of
from garant.batch.output import decompte_schema, rejection_schema, rejection_table
from garant.batch.partition import ROWS_PER_PARTITION, partitioned, vector_rows_per_partition
from garant.batch.reconcile import Reconciliation
from garant.batch.unit import evaluate_partition, partition_key, resolve_product
from garant.batch.vector import VectorStats, supports
from garant.compiler.runtime.decompte import Rejection


@dataclass
class RunReport:
    input: int
    evaluated: int
    rejected: int
    partitions: int
    seconds: float
    split_seconds: float  # pass 1: reading and spilling to partitions
    decomptes: Path
    rejections: Path
    scalar_claims: int = 0  # claims the scalar engine evaluated (all of them with `--evaluator scalar`)
    reconciliation: Reconciliation | None = None  # the Sécu's statement against the regime (`reconcile.py`)

    @property
    def claims_per_second(self) -> float:
        return self.input / self.seconds if self.seconds else 0.0


def reuse_large_blocks() -> None:
    """Let the allocators keep the partition-sized blocks they free and hand
    them out again, instead of giving them back to the kernel and faulting
    fresh (zeroed) pages in for the next array.

    - glibc's malloc (numpy's arrays): by default a block over its
      (adaptive) threshold is mapped from the kernel and unmapped on free,
      so each of the vectorised evaluator's arrays is faulted in page by
      page, again and again. Measured on 1M claims: 3.6 s of system time →
      0.45 s, for ~50 MB more peak memory. Not glibc (macOS, musl): nothing
      changes.
    - Arrow's buffers: pyarrow's default pool (mimalloc since pyarrow 17 on
      Linux) purges freed memory within milliseconds and re-faults it as
      transparent huge pages, which the kernel zeroes 2 MB at a time:
      evaluating a table of 1M claims took 5.5 s of system time for 1.5 s
      of user time (`perf`: 41% in the kernel's `clear_page_erms`).
      jemalloc's pool keeps freed pages for a second: 0.6 s of system
      time. A pyarrow built without jemalloc keeps its default pool.
    - numpy asks the kernel for transparent huge pages on every large
      array (`madvise(MADV_HUGEPAGE)`), each fault then zeroing 2 MB:
      a million claims in one pass, 3.4 s of system time with them, 0.8 s
      without (the switch NUMPY_MADVISE_HUGEPAGE=0 sets at start-up). Also
      switched off when this module is imported (below): the heap's top
      keeps the huge-page advice of an array freed there, and every block
      the heap grows by after it inherits the advice."""
    try:
        import ctypes

        libc = ctypes.CDLL("libc.so.6")
        libc.mallopt(-3, 256 << 20)  # M_MMAP_THRESHOLD: blocks up to 256 MB come from the heap
        libc.mallopt(-1, 512 << 20)  # M_TRIM_THRESHOLD: keep up to 512 MB freed at the heap's top
    except (OSError, AttributeError):
        pass
    _no_huge_pages_for_numpy()
    try:
        pa.set_memory_pool(pa.jemalloc_memory_pool())
    except (NotImplementedError, AttributeError):  # a pyarrow built without jemalloc
        pass


def _no_huge_pages_for_numpy() -> None:
    """numpy's switch for its `madvise(MADV_HUGEPAGE)` (numpy ≥ 1.20; the
    module moved to `numpy._core` in numpy 2)."""
    import numpy as np

    for module in ("_core", "core"):
        switch = getattr(getattr(getattr(np, module, None), "multiarray", None), "_set_madvise_hugepage", None)
        if switch is not None:
            switch(False)
            return


_no_huge_pages_for_numpy()  # before the product is compiled: see reuse_large_blocks


class CountMismatch(RuntimeError):
    """in ≠ evaluated + rejected: a claim was lost or doubled (a defect)."""


def check_workdir(workdir) -> None:
    """`--workdir` names an existing folder, or a one-line error."""
    if workdir is not None and not Path(workdir).is_dir():
        what = "is not a folder" if Path(workdir).exists() else "no such folder"
        raise ClaimsFileError(f"--workdir {workdir}: {what} (create it, or leave --workdir out for the system's temporary folder)")


def rejections_path_for(out: Path) -> Path:
    """out.csv → out.rejections.csv"""
    out = Path(out)
    return out.with_name(f"{out.stem}.rejections{out.suffix}")


def malformed_rejections(source: ClaimsFile) -> pa.Table:
    """The CSV lines that did not parse, as rejections: the id read from the
    line if it has one, else `malformed:K` (K-th such line); no row number
    (the line never became a record)."""
    rejections = []
    fields = []
    for k, bad in enumerate(source.malformed, 1):
        cid = (bad.fields.get("id") or "").strip() or f"malformed:{k}"
        shown = bad.text if len(bad.text) <= 200 else bad.text[:200] + "…"
        rejections.append(Rejection(cid, f"malformed CSV line: {bad.actual} fields where the header has {bad.expected}: {shown}", None, None))
        fields.append(bad.fields)
    table = rejection_table(source.columns, None, [], rejections)
    for i, name in enumerate(table.schema.names):
        if name in source.columns and name != "id":
            table = table.set_column(i, name, pa.array([f.get(name) for f in fields], pa.string()))
    return table


def _evaluate_bucket_file(task):
    """A worker's job: one bucket file → its two tables (product compiled
    once per worker process, from its path)."""
    product_ref, path, trace, evaluator = task
    with ipc.open_stream(path) as reader:
        table = reader.read_all()
    stats = VectorStats()
    return (*evaluate_partition(product_ref, table, trace=trace, evaluator=evaluator, stats=stats), stats.scalar)


def run(
    product,
    claims: str | Path,
    out: str | Path,
    *,
    out_format: str | None = None,
    in_format: str | None = None,
    rejections: str | Path | None = None,
    trace: bool = False,
    rows_per_partition: int = ROWS_PER_PARTITION,
    workdir: str | Path | None = None,
    jobs: int = 1,
    progress=None,
    evaluator: str = "vector",
    encoding: str | None = None,
) -> RunReport:
    """Evaluate a claims file into a décomptes file and a rejections file.

    `product`: a loaded product, or its source path (a `(path, regimes)`
    pair) — a path is needed for `jobs > 1`. `progress`: a rich `Progress`
    (or None). `evaluator`: "vector" or "scalar" (`unit.evaluate_partition`).
    `rows_per_partition` left at its default: as many claims as fit in the
    memory budget (`partition.vector_rows_per_partition`) when the
    vectorised evaluator runs the file in this process."""
    started = time.perf_counter()
    product_ref = product
    product = resolve_product(product)
    source = ClaimsFile(claims, in_format, encoding=encoding)
    out = Path(out)
    fmt = format_of(out, out_format) if out_format or out.suffix else source.format
    rejections = Path(rejections) if rejections else rejections_path_for(out)
    key = partition_key(product)
    check_workdir(workdir)
    if out.resolve() == rejections.resolve():
        raise ClaimsFileError(f"{out}: the décomptes and the rejections would be the same file")
    for target in (out, rejections):
        if target.resolve() == Path(claims).resolve():
            raise ClaimsFileError(f"{target}: that is the claims file; write the outputs elsewhere")

    if rows_per_partition == ROWS_PER_PARTITION and jobs <= 1 and supports(product, trace):  # either evaluator: the same files
        rows_per_partition = vector_rows_per_partition()
        reuse_large_blocks()

    with exclusive(out), exclusive(rejections), partitioned(source, key, rows_per_partition, workdir, progress) as parts:
        split_seconds = time.perf_counter() - started
        malformed = malformed_rejections(source) if source.malformed else None
        total_in = sum(parts.rows) + len(source.malformed)
        evaluated = rejected = scalar_claims = 0
        reconciliation = Reconciliation(product)
        evaluating = progress.add_task("evaluating", total=total_in) if progress else None
        with TableWriter(out, fmt, decompte_schema(product, trace)) as dw, \
                TableWriter(rejections, fmt, rejection_schema(source.columns + [ROW])) as rw:
            if malformed is not None:
                rw.write(malformed)
                rejected += malformed.num_rows
            for decomptes, rejected_table, scalar in _evaluate_all(product, product_ref, parts, trace, jobs, evaluator):
                scalar_claims += scalar
                dw.write(decomptes)
                reconciliation.add(decomptes)
                rw.write(rejected_table)
                evaluated += decomptes.num_rows
                rejected += rejected_table.num_rows
                if progress:
                    progress.update(evaluating, completed=evaluated + rejected)
            # checked before the files are put in place: a run that lost
            # or doubled a claim leaves no output
            if total_in != evaluated + rejected or dw.rows != evaluated or rw.rows != rejected:
                raise CountMismatch(f"{total_in} claims in, {evaluated} evaluated + {rejected} rejected: this is a defect of Garant, please report it")
    return RunReport(total_in, evaluated, rejected, parts.buckets, time.perf_counter() - started, split_seconds, out, rejections, scalar_claims,
                     reconciliation)


def _evaluate_all(product, product_ref, parts, trace: bool, jobs: int, evaluator: str = "vector"):
    """Each bucket's (décomptes, rejections, claims evaluated by the scalar engine), in bucket order."""
    if jobs <= 1 or parts.buckets == 1:
        for bucket, table in parts.tables():
            stats = VectorStats()
            yield (*evaluate_partition(product, table, trace=trace, evaluator=evaluator, stats=stats), stats.scalar)
            parts.remove(bucket)
        return
    if not isinstance(product_ref, (str, Path, tuple)):
        raise ValueError("jobs > 1 needs the product's source path (each worker compiles it)")
    tasks = [(product_ref, str(parts.path(b)), trace, evaluator) for b in range(parts.buckets) if parts.rows[b]]
    with ProcessPoolExecutor(max_workers=jobs, initializer=_one_core_each) as pool:
        yield from pool.map(_evaluate_bucket_file, tasks)


def _one_core_each() -> None:
    """A `--jobs N` worker: the N processes share the cores already, so
    each evaluates its partitions on one (`parallel.py`, GARANT_THREADS)."""
    os.environ["GARANT_THREADS"] = "1"
