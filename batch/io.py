"""Claims files in and out: CSV and Parquet through pyarrow, in record batches.

A claims file is read a batch at a time, never whole, so a file larger
than memory streams through. CSV columns are all read as text: ids keep
their leading zeros and amounts stay the decimal strings they were written
as (the claim reader turns them into exact cents). Parquet columns keep
their types (dates, decimals, integers), which the claim reader accepts too.

A CSV line that does not parse (a field too many or too few) does not stop
the file: pyarrow hands it to `invalid_row_handler`, it is kept as a
`MalformedRow` and the run reports it as a rejection. A record with a
field that is not UTF-8 (a Latin-1 export) is kept with the field decoded
as far as it goes and marked in `_garant_unreadable`; it is rejected too.
The delimiter is the header's: `,`, `;` (French exports), tab or `|`.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterator

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

FORMATS = ("csv", "parquet")
_SUFFIXES = {".csv": "csv", ".parquet": "parquet", ".pq": "parquet"}
ROW = "_garant_row"  # the 1-based position of a record in its file, added on reading
UNREADABLE = "_garant_unreadable"  # CSV: the field of a record that is not UTF-8 text (else null)
INTERNAL = (ROW, UNREADABLE)
DELIMITERS = (",", ";", "\t", "|")


class ClaimsFileError(Exception):
    """The file as a whole cannot be read (missing, empty, not CSV/Parquet)."""


def format_of(path: str | Path, given: str | None = None) -> str:
    """The format named by `--format`, else by the file's suffix."""
    if given:
        if given not in FORMATS:
            raise ClaimsFileError(f"--format must be one of {', '.join(FORMATS)}, not `{given}`")
        return given
    fmt = _SUFFIXES.get(Path(path).suffix.lower())
    if fmt is None:
        raise ClaimsFileError(f"{path}: cannot tell the format from the suffix (use .csv, .parquet or --format)")
    return fmt


@dataclass
class MalformedRow:
    """A CSV line pyarrow could not split into the header's columns."""

    text: str
    expected: int
    actual: int
    fields: dict = field(default_factory=dict)  # what could be read of it, by column


class ClaimsFile:
    """One claims file, read in record batches.

    `position()` and `size` measure progress (bytes for CSV, rows for
    Parquet); `malformed` collects the CSV lines that did not parse, as
    they are met.
    """

    def __init__(self, path: str | Path, fmt: str | None = None, batch_rows: int = 65_536):
        self.path = Path(path)
        self.format = format_of(path, fmt)
        self.batch_rows = batch_rows
        self.malformed: list[MalformedRow] = []
        self.delimiter = ","
        if not self.path.is_file():
            raise ClaimsFileError(f"{path}: no such file")
        self._file = None
        if self.format == "csv":
            self.columns = self._csv_header()
            self.size = self.path.stat().st_size
            self.unit = "bytes"
        else:
            try:
                self._parquet = pq.ParquetFile(self.path)
            except (pa.ArrowInvalid, OSError) as err:
                raise ClaimsFileError(f"{path}: not a Parquet file ({err})") from None
            self.columns = list(self._parquet.schema_arrow.names)
            self.size = self._parquet.metadata.num_rows
            self.unit = "rows"
        for name in INTERNAL:
            if name in self.columns:
                raise ClaimsFileError(f"{path}: the column name `{name}` is reserved")
        self._rows_read = 0

    def _csv_header(self) -> list[str]:
        with open(self.path, "rb") as f:
            first = f.readline()
        try:
            line = first.decode("utf-8-sig").rstrip("\r\n")
        except UnicodeDecodeError as err:
            raise ClaimsFileError(f"{self.path}:1: the header is not UTF-8 text ({err.reason} at byte {err.start}): save the file as UTF-8") from None
        self.delimiter = max(DELIMITERS, key=line.count) if line.strip() else ","
        if line.count(self.delimiter) == 0:
            self.delimiter = ","
        try:
            header = next(csv.reader([line], delimiter=self.delimiter), None)
        except csv.Error as err:
            raise ClaimsFileError(f"{self.path}:1: cannot read the CSV header ({err})") from None
        if not header or not any(h.strip() for h in header):
            raise ClaimsFileError(f"{self.path}:1: empty file: expected a header line naming the claim fields")
        names = [h.strip() for h in header]
        if len(set(names)) != len(names):
            dup = sorted({n for n in names if names.count(n) > 1})
            raise ClaimsFileError(f"{self.path}:1: column named twice in the header: {', '.join(dup)}")
        return names

    def position(self) -> int:
        if self.format == "csv":
            return self._file.tell() if self._file is not None and not self._file.closed else self.size
        return self._rows_read

    def batches(self) -> Iterator[pa.RecordBatch]:
        """Record batches with a `_garant_row` column: the record's 1-based
        position among the file's well-formed records."""
        source = self._csv_batches() if self.format == "csv" else self._parquet_batches()
        row = 1
        for batch in source:
            n = batch.num_rows
            if n == 0:
                continue
            rows = pa.array(np.arange(row, row + n, dtype=np.int64))  # not range(): a Python int per record
            row += n
            self._rows_read += n
            yield batch.append_column(ROW, rows)

    def _parquet_batches(self) -> Iterator[pa.RecordBatch]:
        try:
            yield from self._parquet.iter_batches(batch_size=self.batch_rows)
        except (pa.ArrowInvalid, OSError) as err:
            raise ClaimsFileError(f"{self.path}: cannot read Parquet ({err})") from None

    def _csv_batches(self) -> Iterator[pa.RecordBatch]:
        names = self.columns

        def on_invalid(row) -> str:
            fields = {}
            try:
                parsed = next(csv.reader(io.StringIO(row.text), delimiter=self.delimiter), [])
                fields = dict(zip(names, parsed))
            except csv.Error:
                pass
            self.malformed.append(MalformedRow(row.text, row.expected_columns, row.actual_columns, fields))
            return "skip"

        self._file = open(self.path, "rb")
        try:
            # skip the BOM-aware header already read; column names are ours
            head = self._file.read(3)
            if head != b"\xef\xbb\xbf":
                self._file.seek(0)
            # 1 MB blocks: the reader's resident memory levels off at about
            # 150 MB whatever the file's size (measured on 1M-8M claims),
            # against about 290 MB with 4 MB blocks, and it reads no slower.
            reader = pacsv.open_csv(
                self._file,
                read_options=pacsv.ReadOptions(skip_rows=1, column_names=names, block_size=1 << 20),
                parse_options=pacsv.ParseOptions(delimiter=self.delimiter, newlines_in_values=True, invalid_row_handler=on_invalid),
                convert_options=pacsv.ConvertOptions(
                    column_types={n: pa.string() for n in names}, strings_can_be_null=True, null_values=[""], check_utf8=False,
                ),
            )
            for batch in reader:
                yield _mark_unreadable(batch)
        except pa.ArrowInvalid as err:
            raise ClaimsFileError(f"{self.path}: cannot read CSV ({err})") from None
        except StopIteration:  # a header and no line
            return
        finally:
            self._file.close()


def _mark_unreadable(batch: pa.RecordBatch) -> pa.RecordBatch:
    """Check that every text field is UTF-8 (one C++ pass per column); in
    the rare batch where one is not, decode its bad values with U+FFFD and
    name, per record, the first field at fault."""
    unreadable = None
    for i, name in enumerate(batch.schema.names):
        col = batch.column(i)
        try:
            col.validate(full=True)
            continue
        except pa.ArrowInvalid:
            pass
        if unreadable is None:
            unreadable = [None] * batch.num_rows
        fixed = []
        for k, raw in enumerate(pc.cast(col, pa.binary()).to_pylist()):
            try:
                fixed.append(None if raw is None else raw.decode("utf-8"))
            except UnicodeDecodeError:
                fixed.append(raw.decode("utf-8", "replace"))
                unreadable[k] = unreadable[k] or name
        batch = batch.set_column(i, name, pa.array(fixed, pa.string()))
    marks = pa.array(unreadable, pa.string()) if unreadable else pa.nulls(batch.num_rows, pa.string())
    return batch.append_column(UNREADABLE, marks)


class TableWriter:
    """Writes tables of one schema to a CSV or Parquet file, batch after batch."""

    def __init__(self, path: str | Path, fmt: str, schema: pa.Schema):
        self.path = Path(path)
        self.format = fmt
        self.schema = schema
        self.rows = 0
        self.path.parent.mkdir(parents=True, exist_ok=True)
        if fmt == "csv":
            self._writer = pacsv.CSVWriter(str(self.path), schema, write_options=pacsv.WriteOptions(quoting_style="needed"))
        else:
            self._writer = pq.ParquetWriter(str(self.path), schema, compression="zstd")

    def write(self, table: pa.Table) -> None:
        if table.num_rows:
            self._writer.write_table(table.select(self.schema.names).cast(self.schema))
            self.rows += table.num_rows

    def close(self) -> None:
        self._writer.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


def read_table(path: str | Path, fmt: str | None = None) -> pa.Table:
    """A whole (small) file as one table, all columns as read (for tests and reports)."""
    fmt = format_of(path, fmt)
    if fmt == "parquet":
        return pq.read_table(path)
    source = ClaimsFile(path, "csv")
    names = source.columns
    return pacsv.read_csv(
        path,
        read_options=pacsv.ReadOptions(skip_rows=1, column_names=names),
        parse_options=pacsv.ParseOptions(delimiter=source.delimiter, newlines_in_values=True),
        convert_options=pacsv.ConvertOptions(column_types={n: pa.string() for n in names}, strings_can_be_null=True, null_values=[""]),
    )
