"""The output of a `garant run` as a Parquet dataset that is complete or absent.

    OUT/
      decomptes/part-*.parquet
      rejections/part-*.parquet
      _garant_dataset          (marker: a folder Garant wrote)
      _manifest.json           (written last: its presence = complete)

A run writes under a temporary sibling name (`.OUT.tmp-<uuid>`), each part
file itself under a temporary name renamed into place (`write_part`), so
a worker killed while writing leaves no half file, and a task run twice
(a retry after a lost worker) replaces its own part with the same content.
At the end the driver checks the counts (every input row exactly once),
renames the folder to OUT in one step, and only then writes the manifest
(itself renamed into place). A crashed or interrupted run leaves at worst
a `.OUT.tmp-…` folder, or an OUT without `_manifest.json`: neither is
read as a result (`open_dataset` refuses it).

The manifest records the counts (in, evaluated, rejected), the product
(path, title, SHA-256 of its sources and of the generated module, levels),
the engine, and each part file with its number of rows.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
import uuid
from dataclasses import dataclass, field
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from garant.batch.run import CountMismatch  # in ≠ evaluated + rejected, or a row out twice: a defect

MANIFEST = "_manifest.json"
MARKER = "_garant_dataset"
FORMAT = "garant-dataset/1"
KINDS = ("decomptes", "rejections")


class DatasetError(Exception):
    """A dataset that cannot be written there, or read as complete."""


def write_part(path: str | Path, table: pa.Table) -> None:
    """Write one part file atomically: a temporary name in the same folder,
    then a rename over the final name (which may exist: a retried task)."""
    path = Path(path)
    tmp = path.with_name(f".{path.name}.{uuid.uuid4().hex}.tmp")
    try:
        pq.write_table(table, tmp, compression="zstd")
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


@dataclass
class Part:
    """What one task of a run wrote and saw: the driver adds these up."""

    name: str
    records: int  # claims given to the task
    evaluated: int
    rejected: int
    row_sum: int = 0  # Σ row and Σ row² over the rows written: with the counts, catches a row
    row_sq: int = 0  # written twice and another not at all (count alone would not)

    @classmethod
    def of(cls, name: str, records: int, decomptes: pa.Table, rejections: pa.Table) -> "Part":
        rows = [r for t in (decomptes, rejections) for r in t.column("row").to_pylist() if r is not None]
        return cls(name, records, decomptes.num_rows, rejections.num_rows, sum(rows), sum(r * r for r in rows))

    def as_row(self) -> dict:
        return {"part": self.name, "records": self.records, "evaluated": self.evaluated, "rejected": self.rejected,
                "row_sum": str(self.row_sum), "row_sq": str(self.row_sq)}

    @classmethod
    def from_row(cls, row: dict) -> "Part":
        return cls(row["part"], int(row["records"]), int(row["evaluated"]), int(row["rejected"]), int(row["row_sum"]), int(row["row_sq"]))


class DatasetWriter:
    """A dataset being written: `folder(kind)` to put parts in, `commit()`
    once every part is there. As a context manager, an exception removes
    the temporary folder (nothing left that looks like a result)."""

    def __init__(self, out: str | Path):
        self.out = Path(out).absolute()
        self._check_target()
        self.temp = self.out.parent / f".{self.out.name}.tmp-{uuid.uuid4().hex[:12]}"
        for kind in KINDS:
            (self.temp / kind).mkdir(parents=True)
        (self.temp / MARKER).write_text("written by garant run; complete only with _manifest.json\n", encoding="utf-8")

    def _check_target(self) -> None:
        out = self.out
        if out.exists() and not (out / MARKER).exists():
            if not out.is_dir() or any(out.iterdir()):
                raise DatasetError(f"{out}: exists and is not a Garant dataset; choose another output or remove it")
        self.out.parent.mkdir(parents=True, exist_ok=True)

    def folder(self, kind: str) -> Path:
        return self.temp / kind

    @property
    def scratch(self) -> Path:
        """Room for the run's own files (a CSV staged as Parquet), removed before commit."""
        path = self.temp / "_scratch"
        path.mkdir(exist_ok=True)
        return path

    def commit(self, parts: list[Part], expected_in: int, expected_rows: int, manifest: dict, empty: dict[str, pa.Schema]) -> dict:
        """Check that every row came out once, then rename into place and
        write the manifest. `expected_rows`: the records numbered 1..M (the
        others, malformed CSV lines, have no row); `empty`: the schema of
        each kind, for a kind no task wrote a part of."""
        evaluated = sum(p.evaluated for p in parts)
        rejected = sum(p.rejected for p in parts)
        m = expected_rows
        if evaluated + rejected != expected_in or sum(p.records for p in parts) != expected_in or sum(p.row_sum for p in parts) != m * (m + 1) // 2 \
                or sum(p.row_sq for p in parts) != m * (m + 1) * (2 * m + 1) // 6:
            raise CountMismatch(f"{expected_in} claims in, {evaluated} evaluated + {rejected} rejected "
                                f"(or a row out twice and another not at all): this is a defect of Garant, please report it")
        files = {}
        for kind in KINDS:
            folder = self.folder(kind)
            for stray in folder.glob(".*.tmp"):  # an attempt killed while writing
                stray.unlink(missing_ok=True)
            listed = sorted(p for p in folder.glob("part-*.parquet"))
            if not listed:
                write_part(folder / "part-empty.parquet", empty[kind].empty_table())
                listed = [folder / "part-empty.parquet"]
            files[kind] = [{"path": f"{kind}/{p.name}", "rows": pq.ParquetFile(p).metadata.num_rows} for p in listed]
        written = {k: sum(f["rows"] for f in files[k]) for k in KINDS}
        if written != {"decomptes": evaluated, "rejections": rejected}:
            raise CountMismatch(f"part files hold {written['decomptes']} décomptes and {written['rejections']} rejections, "
                                f"tasks reported {evaluated} and {rejected}: this is a defect of Garant, please report it")
        shutil.rmtree(self.temp / "_scratch", ignore_errors=True)
        manifest = {
            "format": FORMAT,
            **manifest,
            "counts": {"in": expected_in, "evaluated": evaluated, "rejected": rejected},
            "parts": len(parts),
            "files": files,
            "committed": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
        }
        old = None
        if self.out.exists():  # a dataset of an earlier run (complete or not), or an empty folder
            old = self.out.parent / f".{self.out.name}.old-{uuid.uuid4().hex[:12]}"
            os.rename(self.out, old)
        os.rename(self.temp, self.out)
        tmp = self.out / f".{MANIFEST}.tmp"
        with open(tmp, "w", encoding="utf-8") as f:
            json.dump(manifest, f, indent=2, ensure_ascii=False)
            f.write("\n")
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, self.out / MANIFEST)
        if old is not None:
            shutil.rmtree(old, ignore_errors=True)
        return manifest

    def abort(self) -> None:
        shutil.rmtree(self.temp, ignore_errors=True)

    def __enter__(self):
        return self

    def __exit__(self, exc_type, exc, tb):
        if exc_type is not None:
            self.abort()


@dataclass
class Dataset:
    """A complete dataset, as its manifest describes it."""

    path: Path
    manifest: dict = field(repr=False)

    @property
    def counts(self) -> dict:
        return self.manifest["counts"]

    def files(self, kind: str) -> list[Path]:
        return [self.path / f["path"] for f in self.manifest["files"][kind]]

    def table(self, kind: str) -> pa.Table:
        """All the parts of `decomptes` or `rejections`, in part order."""
        return pa.concat_tables([pq.read_table(p) for p in self.files(kind)])

    def decomptes(self) -> pa.Table:
        return self.table("decomptes")

    def rejections(self) -> pa.Table:
        return self.table("rejections")


def is_dataset_path(path: str | Path) -> bool:
    """An output named without a suffix, or an existing folder, is a dataset."""
    path = Path(path)
    return path.is_dir() or not path.suffix


def open_dataset(path: str | Path) -> Dataset:
    """A dataset `garant run` committed; `DatasetError` for anything else
    (no manifest: a run that did not finish; a part missing or changed)."""
    path = Path(path)
    manifest_path = path / MANIFEST
    if not manifest_path.is_file():
        why = "a run that did not finish (no _manifest.json)" if (path / MARKER).exists() else "not a Garant dataset"
        raise DatasetError(f"{path}: {why}")
    try:
        manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as err:
        raise DatasetError(f"{manifest_path}: unreadable manifest ({err})") from None
    if manifest.get("format") != FORMAT:
        raise DatasetError(f"{manifest_path}: format {manifest.get('format')!r}, expected {FORMAT!r}")
    for kind in KINDS:
        for f in manifest["files"][kind]:
            p = path / f["path"]
            if not p.is_file():
                raise DatasetError(f"{path}: {f['path']} is listed in the manifest but missing")
            rows = pq.ParquetFile(p).metadata.num_rows
            if rows != f["rows"]:
                raise DatasetError(f"{path}: {f['path']} holds {rows} rows, the manifest says {f['rows']}")
    return Dataset(path, manifest)
